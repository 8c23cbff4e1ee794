// https for the REST client: an agent built once per endpoint from its TLS settings, and the one place that
// turns a failed handshake into one line naming the cause (unknown CA, host name mismatch, expired certificate,
// client certificate required or rejected, a server that does not speak TLS). Loaded only for https endpoints.
import { Agent, type AgentOptions } from 'node:https';
import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { UnreachableError } from '../../domain/errors.js';
import { loadTlsMaterial, oneLine, type TlsMaterial, type TlsSettings } from './stores.js';

/** What the transport needs of an endpoint here (structurally the client's Endpoint). */
export interface TlsEndpoint {
  baseUrl: string;
  tls?: TlsSettings;
}

export interface TlsConnection {
  baseUrl: string;
  agent: Agent;
  material: TlsMaterial;
  settings: TlsSettings;
}

const connections = new WeakMap<TlsEndpoint, TlsConnection>();

/** The agent for an https endpoint (stores read on first use, then kept for the process). */
export function tlsConnection(endpoint: TlsEndpoint): TlsConnection {
  const cached = connections.get(endpoint);
  if (cached) return cached;
  const settings: TlsSettings = endpoint.tls ?? { verifyHostname: true, insecure: false };
  const material = loadTlsMaterial(settings);
  const options: AgentOptions = { keepAlive: true, rejectUnauthorized: !settings.insecure };
  if (material.ca) options.ca = material.ca;
  if (material.cert && material.key) {
    options.cert = material.cert;
    options.key = material.key;
  }
  // Flink's security.ssl.verify-hostname: false still checks the chain, only not the name.
  if (!settings.verifyHostname) options.checkServerIdentity = () => undefined;
  const connection = { baseUrl: endpoint.baseUrl, agent: new Agent(options), material, settings };
  connections.set(endpoint, connection);
  return connection;
}

/** A failed TLS connection: exit 4, never retried (the same certificate fails the same way). */
export class TlsError extends UnreachableError {}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
/** Alerts a server sends about the client's certificate (or its absence). */
const CLIENT_CERT_ALERTS = new Set([
  'handshake failure',
  'bad certificate',
  'certificate required',
  'certificate unknown',
  'unknown ca',
  'certificate expired',
  'certificate revoked',
  'unsupported certificate',
  'access denied',
  'decrypt error',
]);

/** The TLS alert the server sent, by name ("handshake failure"), from the error's code or OpenSSL's text. */
function alertOf(error: unknown): string | undefined {
  const code = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/.exec((error as NodeJS.ErrnoException)?.code ?? '');
  if (code) return code[1].toLowerCase().replace(/_/g, ' ');
  return /(?:sslv3|tlsv1|tlsv13) alert ([a-z ]+?)(?=:|$)/.exec((error as Error)?.message ?? '')?.[1];
}

/**
 * The one line for a failed https request, or undefined when the failure is not about TLS (refused, reset
 * before any handshake, timeouts: the transport's usual handling applies).
 */
export async function explainTlsFailure(error: unknown, connection: TlsConnection, freshConnection = false): Promise<TlsError | undefined> {
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  if (freshConnection && code === 'ECONNRESET' && connection.material.clientSubject !== undefined) {
    // Java sends an alert when it rejects a client certificate; other servers (Node's) just close the connection.
    return new TlsError(
      `The server at ${connection.baseUrl} closed the connection in the TLS handshake, without an answer: it probably rejected the client certificate ${connection.material.clientSubject}.`,
      { hint: rejectedHint(connection), cause: error },
    );
  }
  // A rejected certificate is gone with its socket: a handshake alone (no request is sent) fetches it again.
  const peer = UNTRUSTED.has(code) || code.startsWith('CERT_') ? await peerCertificate(connection).catch(() => undefined) : undefined;
  return describeTlsFailure(error, connection, peer);
}

/** The server's certificate, from a handshake without verification that sends nothing and closes. */
function peerCertificate(connection: TlsConnection): Promise<PeerCertificate | undefined> {
  const url = new URL(connection.baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port: Number(url.port || 443),
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ca: connection.material.ca,
      cert: connection.material.cert,
      key: connection.material.key,
      timeout: 2000,
    });
    const done = (cert?: PeerCertificate) => {
      socket.destroy();
      resolve(cert && Object.keys(cert).length > 0 ? cert : undefined);
    };
    socket.once('secureConnect', () => done(socket.getPeerCertificate()));
    socket.once('error', () => done());
    socket.once('timeout', () => done());
  });
}

export function describeTlsFailure(error: unknown, connection: TlsConnection, peer?: PeerCertificate): TlsError | undefined {
  const { baseUrl, settings, material } = connection;
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  const at = `the server at ${baseUrl}`;
  if (UNTRUSTED.has(code)) {
    const who = peer?.subject ? ` (its certificate ${subjectOf(peer.subject)} is issued by ${subjectOf(peer.issuer)})` : '';
    const trusted = settings.truststore
      ? `the truststore ${settings.truststore.path} (${settings.truststore.keys.path})`
      : "Node.js's default CAs and NODE_EXTRA_CA_CERTS";
    return new TlsError(`Could not verify ${at}: unknown CA${who}, not trusted by ${trusted}.`, {
      hint: settings.truststore
        ? "Add the CA that signed the cluster's certificate to the truststore (keytool -importcert), as Flink's CLI needs it too."
        : "Set security.ssl.rest.truststore and security.ssl.rest.truststore-password to the cluster's truststore (as for Flink's CLI), or NODE_EXTRA_CA_CERTS to a PEM file of its CA.",
      cause: error,
    });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const host = (error as { host?: string }).host ?? new URL(baseUrl).hostname;
    const names = (error as { cert?: PeerCertificate }).cert?.subjectaltname ?? peer?.subjectaltname;
    return new TlsError(`Could not verify ${at}: host name mismatch (its certificate is for ${names ?? 'other names'}, not ${host}).`, {
      hint: "Connect with a name the certificate lists, or set security.ssl.verify-hostname: false to accept any name that a trusted CA's certificate carries.",
      cause: error,
    });
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    const when =
      code === 'CERT_HAS_EXPIRED' ? `expired on ${peer?.valid_to ?? 'an earlier date'}` : `is not valid before ${peer?.valid_from ?? 'a later date'}`;
    return new TlsError(`Could not verify ${at}: its certificate ${when}.`, {
      hint: "Renew the cluster's certificate, or check this machine's clock.",
      cause: error,
    });
  }
  const alertName = alertOf(error);
  if (alertName !== undefined && CLIENT_CERT_ALERTS.has(alertName)) {
    if (material.cert === undefined) {
      return new TlsError(`The server at ${baseUrl} requires a client certificate (mutual TLS), and none is configured (alert: ${alertName}).`, {
        hint: settings.keystoreUnused
          ? `security.ssl.rest.keystore (${settings.keystoreUnused}) is set, but it is sent only with security.ssl.rest.authentication-enabled: true (as in Flink).`
          : "Set security.ssl.rest.authentication-enabled: true and security.ssl.rest.keystore, -keystore-password and -key-password, as for Flink's CLI.",
        cause: error,
      });
    }
    return new TlsError(`The server at ${baseUrl} rejected the client certificate ${material.clientSubject} (alert: ${alertName}).`, {
      hint: rejectedHint(connection),
      cause: error,
    });
  }
  const text = (error as Error)?.message ?? '';
  if (/^ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST)$/.test(code) || /wrong version number|packet length too long/.test(text)) {
    return new TlsError(`The server at ${baseUrl} does not speak TLS (it answered in plain HTTP).`, {
      hint: 'Use http:// (-m host:port), or set security.ssl.rest.enabled: false.',
      cause: error,
    });
  }
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO') {
    return new TlsError(`The TLS handshake with ${at} failed (${(error as Error).message.split('\n')[0]}).`, { cause: error });
  }
  return undefined;
}

function rejectedHint(connection: TlsConnection): string {
  return `The cluster's truststore must hold the CA that signed the certificate in ${connection.settings.keystore?.path}, and the certificate must be valid now.`;
}

function subjectOf(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return 'an unknown name';
  return oneLine(
    Object.entries(name)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
      .join('\n'),
  );
}
