export * from './errors';
export * from './events';
export * from './order';
export * from './status';
export * from './tables';
export * from './handler-env';
export * from './schemas';
