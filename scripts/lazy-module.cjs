'use strict';
// Injected by scripts/build.mjs where a library requires a heavy module at top level that most
// runs never use (docker-modem's ssh2 transport, dockerode's gRPC session, commander's
// child_process): the module is required on first use of the binding instead of at start-up.

/** A stand-in for `require(...)`'s result that loads the real module on first touch. */
module.exports = function lazyModule(load) {
  let loaded;
  const real = () => (loaded ??= { value: load() }).value;
  // A function target, so the stand-in can be called and constructed as well as read from.
  return new Proxy(function lazy() {}, {
    get: (_, key) => real()[key],
    has: (_, key) => key in real(),
    apply: (_, self, args) => Reflect.apply(real(), self, args),
    construct: (_, args) => Reflect.construct(real(), args),
  });
};
