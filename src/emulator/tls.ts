export interface ServingCert {
  cert: string;
  key: string;
}

/**
 * One self-signed certificate that is both the CA in the kubeconfig and the serving certificate.
 * EC keys keep start-up fast; Go's verifier accepts a root used directly as the leaf. The
 * generator is loaded only when a certificate is made: a restarted dev cluster reuses its own.
 */
export async function servingCert(host: string): Promise<ServingCert> {
  const isIp = /^[\d.]+$|:/.test(host);
  const altNames: Array<{ type: 2 | 7; value?: string; ip?: string }> = [
    { type: 2, value: 'localhost' },
    { type: 2, value: 'kubernetes.default.svc' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (host !== 'localhost' && host !== '127.0.0.1' && host !== '::1' && host !== '0.0.0.0')
    altNames.push(isIp ? { type: 7, ip: host } : { type: 2, value: host });
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'kubernetes-emulator-ca' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
