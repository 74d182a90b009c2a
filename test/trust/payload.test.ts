import { describe, expect, it } from 'vitest';
import { parsePayload } from '../../src/trust/index.js';
import { DIGEST, payloadOf } from './support.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const TYPE = '"type":"cosign container image signature"';
const critical = (identity: string, image: string, rest = TYPE) => `{"identity":${identity},"image":${image},${rest}}`;
const payload = (criticalJson: string, tail = ',"optional":null') => bytes(`{"critical":${criticalJson}${tail}}`);
const IDENTITY = '{"docker-reference":"127.0.0.1:5000/acme/worker"}';
const IMAGE = `{"docker-manifest-digest":"${DIGEST}"}`;

describe('parsePayload reads a cosign simple-signing payload', () => {
  it('as cosign writes it', () => {
    expect(parsePayload(payloadOf('127.0.0.1:5000/acme/worker'))).toEqual({
      ok: true,
      value: { dockerReference: '127.0.0.1:5000/acme/worker', repository: '127.0.0.1:5000/acme/worker', manifestDigest: DIGEST, optional: null },
    });
  });

  it.each([
    ['a Docker Hub short name', 'alpine', 'docker.io/library/alpine'],
    ['a Docker Hub user repository', 'acme/worker', 'docker.io/acme/worker'],
    ['go-containerregistry’s spelling of Docker Hub', 'index.docker.io/library/alpine', 'docker.io/library/alpine'],
    ['a tag (dropped)', 'registry.example.com/team/worker:1.4', 'registry.example.com/team/worker'],
    ['a digest (dropped)', `registry.example.com/team/worker@${DIGEST}`, 'registry.example.com/team/worker'],
    ['a tag and a digest (dropped)', `localhost:5000/w:tag@${DIGEST}`, 'localhost:5000/w'],
  ])('normalizing the repository of %s', (_name, reference, repository) => {
    const parsed = parsePayload(payloadOf(reference));
    expect(parsed.ok && parsed.value).toMatchObject({ dockerReference: reference, repository });
  });

  it.each([
    ['an absent optional', payload(critical(IDENTITY, IMAGE), '')],
    ['an optional with anything in it', payload(critical(IDENTITY, IMAGE), ',"optional":{"creator":"x","timestamp":1657296609,"nested":{"a":[1,null]}}')],
    ['another field order and whitespace', bytes(`{ "optional": null,\n  "critical": {"type": "cosign container image signature", "image": ${IMAGE}, "identity": ${IDENTITY}} }`)],
    ['sha512 digest', payload(critical(IDENTITY, `{"docker-manifest-digest":"sha512:${'a'.repeat(128)}"}`))],
  ])('leniently where nothing depends on it: %s', (_name, input) => {
    expect(parsePayload(input).ok).toBe(true);
  });

  it('keeps optional as found, without reading it', () => {
    const parsed = parsePayload(payloadOf('alpine', DIGEST, { creator: 'me', extra: [1] }));
    expect(parsed.ok && parsed.value.optional).toEqual({ creator: 'me', extra: [1] });
  });
});

describe('parsePayload refuses, saying precisely why', () => {
  it.each<[string, Uint8Array, string]>([
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'not UTF-8'],
    ['text that is not JSON', bytes('critical: yes'), 'not JSON (13 bytes, starting "critical: yes")'],
    ['JSON after a byte-order mark', new Uint8Array([0xef, 0xbb, 0xbf, ...payloadOf('alpine')]), 'not JSON'],
    ['a JSON array', bytes('[1,2]'), 'the payload is an array, not an object'],
    ['a JSON string', bytes('"hello"'), 'the payload is a string, not an object'],
    ['null', bytes('null'), 'the payload is null, not an object'],
    ['no critical', bytes('{"optional":null}'), 'the payload has no critical'],
    ['an unknown top-level field', payload(critical(IDENTITY, IMAGE), ',"optional":null,"extra":1'), 'the payload has an unknown field "extra"'],
    ['critical not an object', payload('"yes"'), 'critical is a string, not an object'],
    ['a wrong type', payload(critical(IDENTITY, IMAGE, '"type":"atomic container signature"')), 'critical.type is "atomic container signature", not "cosign container image signature"'],
    ['a wrong type, even with other faults', payload('{"type":"https://in-toto.io/Statement/v0.1"}'), 'critical.type is "https://in-toto.io/Statement/v0.1"'],
    ['a type that is not a string', payload(critical(IDENTITY, IMAGE, '"type":7')), 'critical.type is a number, not a string'],
    ['no type', payload(`{"identity":${IDENTITY},"image":${IMAGE}}`), 'critical has no type'],
    ['no identity', payload(`{"image":${IMAGE},${TYPE}}`), 'critical has no identity'],
    ['no image', payload(`{"identity":${IDENTITY},${TYPE}}`), 'critical has no image'],
    ['an unknown critical field', payload(critical(IDENTITY, IMAGE, `${TYPE},"expires":1`)), 'critical has an unknown field "expires"'],
    ['identity not an object', payload(critical('"alpine"', IMAGE)), 'critical.identity is a string, not an object'],
    ['no docker-reference', payload(critical('{}', IMAGE)), 'critical.identity has no docker-reference'],
    ['an unknown identity field', payload(critical('{"docker-reference":"alpine","docker-tag":"1"}', IMAGE)), 'critical.identity has an unknown field "docker-tag"'],
    ['a docker-reference that is not a string', payload(critical('{"docker-reference":["alpine"]}', IMAGE)), 'critical.identity.docker-reference is an array, not a string'],
    ['a docker-reference that is null', payload(critical('{"docker-reference":null}', IMAGE)), 'critical.identity.docker-reference is null, not a string'],
    ['a docker-reference that is no reference', payload(critical('{"docker-reference":"Not/A Repo"}', IMAGE)), 'critical.identity.docker-reference "Not/A Repo" is not an image reference'],
    ['an empty docker-reference', payload(critical('{"docker-reference":""}', IMAGE)), 'critical.identity.docker-reference "" is not an image reference'],
    ['image not an object', payload(critical(IDENTITY, 'null')), 'critical.image is null, not an object'],
    ['no docker-manifest-digest', payload(critical(IDENTITY, '{}')), 'critical.image has no docker-manifest-digest'],
    ['an unknown image field', payload(critical(IDENTITY, `{"docker-manifest-digest":"${DIGEST}","size":1}`)), 'critical.image has an unknown field "size"'],
    ['a digest that is a number', payload(critical(IDENTITY, '{"docker-manifest-digest":42}')), 'critical.image.docker-manifest-digest is a number, not a string'],
    ['a digest in upper case', payload(critical(IDENTITY, `{"docker-manifest-digest":"${DIGEST.toUpperCase()}"}`)), 'is not a digest: invalid checksum digest format'],
    ['a digest with upper-case hex', payload(critical(IDENTITY, `{"docker-manifest-digest":"sha256:${'AB'.repeat(32)}"}`)), 'is not a digest: invalid checksum digest format'],
    ['a short digest', payload(critical(IDENTITY, '{"docker-manifest-digest":"sha256:abc"}')), 'is not a digest: invalid checksum digest length'],
    ['a digest without algorithm', payload(critical(IDENTITY, `{"docker-manifest-digest":"${'ab'.repeat(32)}"}`)), 'is not a digest: invalid checksum digest format'],
    ['an optional that is a string', payload(critical(IDENTITY, IMAGE), ',"optional":"x"'), 'optional is a string, not an object or null'],
    ['a __proto__ field in critical', payload(critical(IDENTITY, IMAGE, `${TYPE},"__proto__":{}`)), 'critical has an unknown field "__proto__"'],
  ])('%s', (_name, input, reason) => {
    const parsed = parsePayload(input);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });

  it('escapes and clips hostile text it quotes', () => {
    const hostile = `evil\u001b[31m\n\u202e${'x'.repeat(500)}`;
    const parsed = parsePayload(payload(critical(JSON.stringify({ 'docker-reference': hostile }), IMAGE)));
    const reason = !parsed.ok ? parsed.reason : '';
    expect(reason).toContain('"evil\\x1b[31m\\n\\u202exxx');
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(reason.length).toBeLessThan(200);
  });
});
