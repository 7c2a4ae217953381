import { ConfigError } from '../errors.js';
import type { OperationSpec } from './types.js';

/** The operations a gateway serves, by name. Built-ins are registered first; plugins may add more. */
export class OperationRegistry {
  private readonly specs = new Map<string, OperationSpec>();

  add(spec: OperationSpec): void {
    if (this.specs.has(spec.name)) throw new ConfigError(`Operation "${spec.name}" is registered twice.`);
    this.specs.set(spec.name, spec);
  }

  get(name: string): OperationSpec | undefined {
    return this.specs.get(name);
  }

  all(): readonly OperationSpec[] {
    return [...this.specs.values()];
  }
}
