import { FormatError } from '../../core/errors.js';

/** Stable codes for models the graph analysis cannot read or edit. */
export type GraphErrorCode =
  | 'GRAPH_MALFORMED'
  | 'GRAPH_NO_GRAPH'
  | 'GRAPH_TOO_DEEP'
  | 'GRAPH_TOO_LARGE'
  | 'GRAPH_DUPLICATE_FIELD'
  | 'GRAPH_UNKNOWN_TENSOR';

/** A model the static analysis or the exposure rewrite refused; message names the reason in one line. */
export class GraphError extends FormatError {
  declare readonly code: GraphErrorCode;
  constructor(code: GraphErrorCode, message: string, offset?: number) {
    super(code, message, offset);
    this.name = 'GraphError';
  }
}
