// The storage settings as plain data, for a TaskManager process: sent over IPC only (never argv, env or a
// log), so the process writes and reads state on S3/Azure with the coordinator's settings.
import { Secret, azureAccountKeyNames, type StorageSettings } from '../config/storage.js';

export interface StorageSettingsWire {
  s3: { endpoint?: string; pathStyle: boolean; region?: string; accessKey?: string; secretKey?: { value: string; from: string } };
  azure: { endpoint?: string; keys: Array<{ host: string; value: string; from: string }> };
}

export function storageSettingsWire(settings: StorageSettings): StorageSettingsWire {
  const { s3, azure } = settings;
  const keys = (azure.keyedHosts?.() ?? []).flatMap((host) => {
    const key = azure.accountKey(host);
    return key ? [{ host, value: key.reveal(), from: key.from }] : [];
  });
  return {
    s3: {
      endpoint: s3.endpoint,
      pathStyle: s3.pathStyle,
      region: s3.region,
      accessKey: s3.accessKey,
      secretKey: s3.secretKey && { value: s3.secretKey.reveal(), from: s3.secretKey.from },
    },
    azure: { endpoint: azure.endpoint, keys },
  };
}

export function storageSettingsFromWire(wire: StorageSettingsWire): StorageSettings {
  const byHost = new Map(wire.azure.keys.map((k) => [k.host, new Secret(k.value, k.from)]));
  return {
    s3: { ...wire.s3, secretKey: wire.s3.secretKey && new Secret(wire.s3.secretKey.value, wire.s3.secretKey.from) },
    azure: {
      endpoint: wire.azure.endpoint,
      accountKey: (host) =>
        azureAccountKeyNames(host)
          .map((name) => byHost.get(name.slice('fs.azure.account.key.'.length)))
          .find((s) => s !== undefined),
      keyedHosts: () => [...byHost.keys()],
    },
  };
}
