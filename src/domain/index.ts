/** The domain model every layer shares: the lifecycle, the ports, the commands and the renderers. */
export * from './audit.js';
export * from './events.js';
export * from './operator.js';
export * from './outcome.js';
export * from './pull-progress.js';
export * from './run.js';
export * from './slot.js';
export * from './smoke-cache.js';
export * from './subject.js';
export * from './verdict.js';
export * from './check-result.js';
export * from './contract.js';
export * from './image-config.js';
export * from './trust.js';
