import { ZixlyError } from '@zixly/platform'

/** Stable codes of every way a call to a Trading API can end badly. */
export type TradingApiErrorCode =
  /** A call, or the whole remote sweep, took longer than allowed. Retryable. */
  | 'TRADING_API_TIMEOUT'
  /** The connection failed (refused, reset, DNS). Retryable. */
  | 'TRADING_API_UNAVAILABLE'
  /** The server answered 5xx. Retryable. */
  | 'TRADING_API_HTTP_5XX'
  /** 2xx with malformed JSON or a body that does not fit the contract. Not retryable. */
  | 'TRADING_API_BAD_RESPONSE'
  /** The server answered 4xx (401, 400, …). Retryable only for 408 and 429. */
  | 'TRADING_API_REJECTED'
  /** The server no longer knows a job it accepted (404 while polling: it restarted). Retryable: submit again. */
  | 'TRADING_API_JOB_LOST'
  /** The remote job ended `failed`. Retryable: the attempt limit bounds it. */
  | 'TRADING_API_JOB_FAILED'
  /** The remote job ended `cancelled`, or the caller aborted. Not retryable. */
  | 'TRADING_API_CANCELLED'

const RETRYABLE: Record<TradingApiErrorCode, boolean> = {
  TRADING_API_TIMEOUT: true,
  TRADING_API_UNAVAILABLE: true,
  TRADING_API_HTTP_5XX: true,
  TRADING_API_BAD_RESPONSE: false,
  TRADING_API_REJECTED: false,
  TRADING_API_JOB_LOST: true,
  TRADING_API_JOB_FAILED: true,
  TRADING_API_CANCELLED: false,
}

const HTTP_STATUS: Record<TradingApiErrorCode, number> = {
  TRADING_API_TIMEOUT: 504,
  TRADING_API_UNAVAILABLE: 503,
  TRADING_API_HTTP_5XX: 502,
  TRADING_API_BAD_RESPONSE: 502,
  TRADING_API_REJECTED: 502,
  TRADING_API_JOB_LOST: 502,
  TRADING_API_JOB_FAILED: 502,
  TRADING_API_CANCELLED: 409,
}

/** A failed Trading API call or remote sweep; `code` and `retryable` decide what the executor does. */
export class TradingApiError extends ZixlyError {
  declare readonly code: TradingApiErrorCode
  constructor(
    code: TradingApiErrorCode,
    message: string,
    readonly details: {
      /** Which call: `submit`, `job`, `cancel`, `results`, or `sweep` for the whole run. */
      endpoint: string
      /** HTTP status of the answer, when one came. */
      httpStatus?: number
      jobId?: string
      cause?: unknown
      retryable?: boolean
    },
  ) {
    super(code, HTTP_STATUS[code], message, {
      cause: details.cause,
      retryable: details.retryable ?? RETRYABLE[code],
    })
  }
}

export const isTradingApiError = (e: unknown): e is TradingApiError => e instanceof TradingApiError
