import type { z } from 'zod';
import type { ApiArgs, ApiChannel, ApiResult } from '../../preload/contract.ts';

/** One call's edge: a schema that parses the raw argument, and the handler that trusts the parsed value. */
export interface HandlerSpec<C extends ApiChannel> {
  input: z.ZodType<ApiArgs<C>>;
  run: (args: ApiArgs<C>) => ApiResult<C> | Promise<ApiResult<C>>;
}

export type HandlerSpecs<C extends ApiChannel> = { [K in C]: HandlerSpec<K> };
