import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ExitCode, TrustKeyError, UsageError } from '../../src/errors.js';
import { keyLabel, parseTrustedKey } from '../../src/trust/index.js';

const spki = (key: KeyObject) => key.export({ format: 'pem', type: 'spki' }).toString();
const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
const pemOf = (der: Buffer, label = 'PUBLIC KEY') => `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed25519 = generateKeyPairSync('ed25519');

describe('parseTrustedKey accepts a PEM public key cosign can sign with', () => {
  it.each([
    ['ECDSA P-256', spki(p256.publicKey), 'ecdsa-p256'],
    ['RSA 2048', spki(rsa2048.publicKey), 'rsa'],
    ['RSA 3072', spki(generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey), 'rsa'],
    ['Ed25519', spki(ed25519.publicKey), 'ed25519'],
  ])('%s', (_name, pem, algorithm) => {
    const key = parseTrustedKey(pem, 'keys/ci.pub');
    expect(key).toEqual({ pem, algorithm, fingerprint: createHash('sha256').update(derOf(pem)).digest('hex') });
  });

  it('normalizes the text: LF line ends, trailing blanks and blank lines dropped, one trailing newline', () => {
    const pem = spki(p256.publicKey);
    const messy = `\r\n\r\n${pem.trimEnd().replace(/\n/g, ' \t\r\n')}`;
    expect(parseTrustedKey(messy, 'k.pub').pem).toBe(pem);
    expect(parseTrustedKey(pem.trimEnd(), 'k.pub').pem).toBe(pem);
    expect(parseTrustedKey(pem.replace(/\n/g, '\r'), 'k.pub').pem).toBe(pem);
  });

  it('fingerprints the DER, not the text: two spellings of one key are one key', () => {
    const pem = spki(ed25519.publicKey);
    expect(parseTrustedKey(pem.replace(/\n/g, '\r\n'), 'a').fingerprint).toBe(parseTrustedKey(pem, 'b').fingerprint);
  });

  it('labels a key by algorithm and the first 12 hex of its fingerprint', () => {
    const key = parseTrustedKey(spki(p256.publicKey), 'k.pub');
    expect(keyLabel(key)).toBe(`ecdsa-p256 sha256:${key.fingerprint.slice(0, 12)}…`);
    expect(keyLabel({ algorithm: 'rsa', fingerprint: 'ab12cd34ef56'.padEnd(64, '0') })).toBe('rsa sha256:ab12cd34ef56…');
  });
});

const pub = spki(p256.publicKey);
const certificate = pemOf(Buffer.from('not really a certificate, refused by its label'), 'CERTIFICATE');

describe('parseTrustedKey refuses, naming the file and what is wrong', () => {
  it.each<[string, string, string]>([
    ['empty', '', 'no PEM block found'],
    ['garbage', 'hello, I am a key\n', 'no PEM block found'],
    ['an ssh public key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBnotreal user@host\n', 'no PEM block found'],
    ['P-384', spki(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey), 'an ECDSA key on P-384; only P-256 is accepted'],
    ['P-521', spki(generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey), 'an ECDSA key on P-521'],
    ['secp256k1', spki(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey), 'an ECDSA key on secp256k1'],
    ['RSA 1024', spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), 'an RSA key of 1024 bits; at least 2048 are needed'],
    ['RSA 2047', spki(generateKeyPairSync('rsa', { modulusLength: 2047 }).publicKey), 'an RSA key of 2047 bits'],
    ['an RSA-PSS-only key', spki(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey), 'restricted to PSS'],
    ['Ed448', spki(generateKeyPairSync('ed448').publicKey), 'a key of type ed448; accepted are ECDSA P-256, RSA (2048 bits or more) and Ed25519'],
    ['X25519', spki(generateKeyPairSync('x25519').publicKey), 'a key of type x25519'],
    ['a PKCS#8 private key', p256.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'it holds a private key (PRIVATE KEY)'],
    ['a SEC1 private key', p256.privateKey.export({ format: 'pem', type: 'sec1' }).toString(), 'it holds a private key (EC PRIVATE KEY)'],
    ['a PKCS#1 private key', rsa2048.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(), 'it holds a private key (RSA PRIVATE KEY)'],
    ['a cosign private key', pemOf(Buffer.from('{"kdf":{}}'), 'ENCRYPTED SIGSTORE PRIVATE KEY'), 'it holds a private key (ENCRYPTED SIGSTORE PRIVATE KEY)'],
    ['a private key after the public one', pub + p256.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'it holds a private key'],
    ['a certificate', certificate, 'it is a certificate (CERTIFICATE), not a public key'],
    ['a PKCS#1 public key', rsa2048.publicKey.export({ format: 'pem', type: 'pkcs1' }).toString(), 'it is a PKCS#1 RSA key (RSA PUBLIC KEY)'],
    ['another block', pemOf(Buffer.from('x'), 'PGP SIGNATURE'), 'it is a PGP SIGNATURE block, not a PUBLIC KEY'],
    ['two keys', pub + spki(ed25519.publicKey), 'it holds 2 PEM blocks (PUBLIC KEY, PUBLIC KEY); give one key per file'],
    ['a key and a certificate', pub + certificate, 'it holds 2 PEM blocks (PUBLIC KEY, CERTIFICATE)'],
    ['no END line', pub.replace('-----END PUBLIC KEY-----\n', ''), 'does not end with -----END PUBLIC KEY-----'],
    ['a mismatched END line', pub.replace('END PUBLIC KEY', 'END PRIVATE KEYS'), 'does not end with -----END PUBLIC KEY-----'],
    ['text before the block', `my key:\n${pub}`, 'line 1 is text outside the PEM block'],
    ['text after the block', `${pub}\n-- ops\n`, 'line 6 is text outside the PEM block'],
    ['a header line', pub.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n'), 'line 2 of the block is not base64'],
    ['a blank line inside', pub.replace('-----\n', '-----\n\n'), 'line 2 of the block is not base64'],
    ['bad base64', pub.replace(/\n(.)(.)/, '\n$1*'), 'line 2 of the block is not base64'],
    ['padding in the middle', pemOf(derOf(pub)).replace(/\n(....)/, '\n$1==\n'), 'its body is not valid base64'],
    ['an empty body', '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n', 'its body is not valid base64'],
    ['a body that is not DER', pemOf(Buffer.from('definitely not ASN.1')), 'its body is not a DER SubjectPublicKeyInfo'],
    ['bytes after the key', pemOf(Buffer.concat([derOf(pub), Buffer.from([0, 0])])), 'its DER holds more than the key'],
    ['a huge file', `${pub}${' '.repeat(20_000)}`, 'is far too long for a public key'],
  ])('%s', (_name, pem, problem) => {
    let caught: unknown;
    try {
      parseTrustedKey(pem, 'keys/ci.pub');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TrustKeyError);
    expect(caught).toBeInstanceOf(UsageError);
    const error = caught as TrustKeyError;
    expect(error.code).toBe('TRUST_KEY_INVALID');
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.source).toBe('keys/ci.pub');
    expect(error.message).toMatch(/^keys\/ci\.pub: not a usable public key: /);
    expect(error.message).toContain(problem);
    expect(error.hint).toContain('ECDSA P-256, RSA of 2048 bits or more, or Ed25519');
  });

  it('shows a hostile label escaped', () => {
    expect(() => parseTrustedKey('-----BEGIN EVIL\u001b[2J-----\nAAAA\n-----END EVIL\u001b[2J-----\n', 'k.pub')).toThrow('EVIL\\x1b[2J block');
  });
});
