import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { checkOperatorName } from '../../src/lifecycle/operator-name.js';

describe('checkOperatorName', () => {
  it.each(['alice', 'ci-bot@corp.example', 'Zoë Müller', 'svc:cron'])('accepts %j', (name) => expect(checkOperatorName(name)).toBe(name));
  it.each(['ev\nil', 'a\u001b]0;x\u0007', 'tab\there', 'x\u202ey', '', ' padded', 'x'.repeat(257)])('refuses %j (exit 2)', (name) => {
    expect(() => checkOperatorName(name)).toThrow(UsageError);
  });
});
