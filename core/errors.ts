/**
 * One error type for the whole project, with a numeric code in a range per layer. Branch on
 * `code`, never on the message text.
 */
export enum ErrorCode {
  // 100-199 configuration
  ConfigInvalid = 100,
  ConfigUnreadable = 101,
  // 200-299 serial transport and device framing
  PortOpenFailed = 200,
  PortClosed = 201,
  FrameDiscarded = 210,
  CodeTooLong = 211,
  CodeTruncated = 212,
  CodeInvalidUtf8 = 213,
  CodeHasNul = 214,
  CodeImplausible = 215,
  // 300-399 Modbus
  ModbusTimeout = 300,
  ModbusCrc = 301,
  ModbusException = 302,
  ModbusBadFrame = 303,
  ReadingImplausible = 310,
  SensorFault = 311,
  // 400-499 barrier
  BarrierFault = 400,
  BarrierRefused = 401,
  BarrierNoReply = 402,
  BarrierUnsafe = 403,
  // 500-599 store and uplink
  StoreFailed = 500,
  StoreFull = 501,
  UplinkFailed = 510,
  // 600-699 broker and MQTT
  ListenFailed = 600,
  BrokerUnavailable = 601,
  PayloadInvalid = 610,
  NotAuthorized = 620,
  // 700-799 passes
  PassInvalid = 700,
  TrustListUnreadable = 710,
  // 800-899 yard and lanes
  YardFull = 800,
  IllegalTransition = 801,
  NotFound = 802,
  LaneUnavailable = 810,
}

export class GatepostError extends Error {
  override readonly name = 'GatepostError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isGatepostError(e: unknown, code?: ErrorCode): e is GatepostError {
  return e instanceof GatepostError && (code === undefined || e.code === code);
}

/** A message for any thrown value, for logs and replies. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
