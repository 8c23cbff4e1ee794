// `flink doctor`'s TLS item: whether the truststore and keystore of Flink's security.ssl.rest.* keys open with
// their passwords and what they hold, and whether the certificates are valid now (a warning 30 days ahead).
import type { X509Certificate } from 'node:crypto';
import { loadTlsMaterial, oneLine, type TlsMaterial } from '../../client/tls/stores.js';
import type { ResolvedConfig } from '../../config/resolve.js';
import { tlsSettingsFromConfig } from '../endpoint.js';
import type { CheckResult } from './doctor-checks.js';

const SOON_MS = 30 * 86_400_000;
const TITLE = 'TLS to the REST endpoint';

export function tlsCheck(config: ResolvedConfig, env: NodeJS.ProcessEnv, now = Date.now()): CheckResult {
  const stores = ['security.ssl.rest.truststore', 'security.ssl.rest.keystore'].filter((k) => config.string(k) !== undefined);
  if (!config.bool('security.ssl.rest.enabled')) {
    if (stores.length === 0) return { id: 'tls', title: TITLE, status: 'skip', detail: 'plain http (security.ssl.rest.enabled is false)' };
    return {
      id: 'tls',
      title: TITLE,
      status: 'warn',
      detail: `${stores.join(' and ')} set, but security.ssl.rest.enabled is false: plain http, the stores are not used`,
      fix: "Set security.ssl.rest.enabled: true (or use -m https://host:port) if the cluster's REST endpoint uses TLS.",
    };
  }
  const settings = tlsSettingsFromConfig(config);
  if (settings.insecure)
    return {
      id: 'tls',
      title: TITLE,
      status: 'fail',
      detail: "the server's certificate is not verified (security.ssl.rest.insecure-skip-verify: true)",
      fix: "Remove security.ssl.rest.insecure-skip-verify and set security.ssl.rest.truststore to a store with the cluster's CA.",
    };
  let material: TlsMaterial;
  try {
    material = loadTlsMaterial(settings);
  } catch (error) {
    return {
      id: 'tls',
      title: TITLE,
      status: 'fail',
      detail: (error as Error).message,
      fix: "Fix the store or the key named above (the same settings as for Flink's CLI).",
    };
  }
  const parts: string[] = [];
  const problems: string[] = [];
  let worst: CheckResult['status'] = 'pass';
  const judge = (what: string, cert: X509Certificate) => {
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (now < from || now > to) {
      problems.push(`${what} ${oneLine(cert.subject)} is ${now > to ? `expired since ${cert.validTo}` : `not valid before ${cert.validFrom}`}`);
      worst = 'fail';
    } else if (to - now < SOON_MS) {
      problems.push(`${what} ${oneLine(cert.subject)} expires on ${cert.validTo}`);
      if (worst === 'pass') worst = 'warn';
    }
  };
  if (settings.truststore) {
    const trusted = material.trustedCertificates ?? [];
    parts.push(
      `truststore ${settings.truststore.path}: ${trusted.length} trusted certificate${trusted.length === 1 ? '' : 's'} (${trusted.map((c) => oneLine(c.subject)).join('; ')})`,
    );
    for (const cert of trusted) judge('trusted certificate', cert);
  } else parts.push(`Node.js's default CAs${env.NODE_EXTRA_CA_CERTS ? ` and NODE_EXTRA_CA_CERTS (${env.NODE_EXTRA_CA_CERTS})` : ''}`);
  if (material.clientCertificate) {
    parts.push(`client certificate ${material.clientSubject} (valid until ${material.clientCertificate.validTo}) from ${settings.keystore!.path}`);
    judge('the client certificate', material.clientCertificate);
  } else if (config.bool('security.ssl.rest.authentication-enabled')) {
    problems.push('security.ssl.rest.authentication-enabled is true but security.ssl.rest.keystore is not set');
    worst = 'fail';
  } else parts.push('no client certificate (security.ssl.rest.authentication-enabled is false)');
  if (!settings.verifyHostname) parts.push('host names not checked (security.ssl.verify-hostname: false)');
  const detail = [...problems, ...parts].join('; ');
  return worst === 'pass'
    ? { id: 'tls', title: TITLE, status: 'pass', detail }
    : {
        id: 'tls',
        title: TITLE,
        status: worst,
        detail,
        fix: 'Renew or add the certificate named above; the REST endpoint check below shows what the server says.',
      };
}
