// The image reference grammar of distribution/reference v0.6, as regexp sources.
// Built once at import time; nothing else happens here. JS and Go (RE2) agree on
// these patterns: ASCII-only classes, no flags, and both pick submatches
// leftmost-first, so captures come out the same.

// Path components are lowercase only; uppercase is reserved for the domain.
const alphanumeric = '[a-z0-9]+';
// One '.', one '_', two '_' or any run of '-' between alphanumerics (v0.6 allows "a--b").
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;

// DNS-ish label: may contain '-' but not start or end with it; case-insensitive.
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
// Bracketed IPv6 literal; deliberately loose (no zone, no dotted-quad tail).
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]';
const host = `(?:${domainName}|${ipv6Address})`;
// Digits only, no range check: ":0" and ":99999999" are accepted upstream.
const optionalPort = '(?::[0-9]+)?';
const domainAndPort = `${host}${optionalPort}`;

// \w is ASCII [0-9A-Za-z_] in both engines; 128 characters at most.
const tag = '[\\w][\\w.-]{0,127}';
// Looser than go-digest on purpose (uppercase hex, any algorithm): the reference
// grammar only finds the digest; go-digest then decides whether it is valid.
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';

const name = `(?:${domainAndPort}/)?${remoteName}`;

const anchored = (source: string): RegExp => new RegExp(`^${source}$`);

/** ^domainAndPort$ (upstream anchoredDomainRegexp). */
export const anchoredDomainRegexp = anchored(domainAndPort);

/** Splits a name: capture 1 = domain (absent when none), capture 2 = path. */
export const anchoredNameRegexp = anchored(`(?:(${domainAndPort})/)?(${remoteName})`);

/** Whole reference: capture 1 = name, 2 = tag, 3 = digest (each may be absent). */
export const referenceRegexp = anchored(`(${name})(?::(${tag}))?(?:@(${digest}))?`);

export const anchoredTagRegexp = anchored(tag);

export const anchoredDigestRegexp = anchored(digest);

/** A bare image ID; docker refuses it as a repository name to avoid ambiguity. */
export const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;
