/**
 * The catalogue of every error the product raises: the one source of the codes (`ErrorCode` in
 * errors.ts is read from it), of their meaning and of what to do, and of docs/errors.md
 * (`npm run docs:gen`). A code's number is in a range per layer; a code once released keeps its
 * number. A test checks that every code here is raised somewhere and documented.
 */
export interface ErrorEntry {
  /** The number clients, logs and records carry. */
  readonly code: number;
  /** What happened, in one sentence (the message of each error adds the particulars). */
  readonly summary: string;
  /** What to do about it. */
  readonly action: string;
}

export const ERROR_CATALOGUE = {
  // 100-199 configuration and the files it names
  ConfigInvalid: {
    code: 100,
    summary:
      'A site config (or a file it names: users, tokens) does not pass its schema or its cross-checks.',
    action:
      'Run `gatepost check-config FILE`: it prints each problem with its field path. Fix them and start again.',
  },
  ConfigUnreadable: {
    code: 101,
    summary:
      'A config, scenario or users file cannot be read: missing, not a regular file, too large, not UTF-8, or not valid YAML/JSON.',
    action:
      'Check the path and the file: a regular file within its size budget, UTF-8, one YAML or JSON document.',
  },
  // 200-299 serial transport, GPIO and device framing
  PortOpenFailed: {
    code: 200,
    summary:
      'A serial port, a PTY, a scanner input device (evdev) or a remote GPIO chip could not be opened or reached.',
    action:
      'Check the device path, its permissions (the dialout group) and that no other program holds it. The driver retries with backoff.',
  },
  PortClosed: {
    code: 201,
    summary:
      'A serial port closed, or was written to while closed; or a scanner input device went away (unplugged, its FIFO closed or deleted).',
    action: 'Check the cable and the adapter; the driver reopens the port on its own.',
  },
  PortInUse: {
    code: 202,
    summary:
      'A simulated device, socket or Modbus address is already taken where another was to be attached.',
    action:
      'Give each simulated device its own path, bus address and socket; stop the other simulator first.',
  },
  InputNotGrabbed: {
    code: 203,
    summary:
      'A keyboard-wedge scanner was opened but not grabbed exclusively (EVIOCGRAB): its keys also reach the console or desktop.',
    action:
      'Check that the koffi package is installed and that no other program (a desktop, evtest --grab) holds the device; or keep the console from reading it (docs/devices.md, keyboard-wedge scanner).',
  },
  FrameDiscarded: {
    code: 210,
    summary: 'Bytes from the scanner were discarded: noise, a frame without its terminator, or babble.',
    action: 'Occasional: nothing. Frequent: check the scanner settings (suffix, baud) and the cable.',
  },
  CodeTooLong: {
    code: 211,
    summary: 'A scanned code was longer than the scanner budget and was refused.',
    action: 'Nothing for a stray read; many in a row mean a misconfigured scanner (no suffix).',
  },
  CodeTruncated: {
    code: 212,
    summary: 'A scanned code ended before its frame did (cut off on the wire).',
    action: 'Scan again; repeated cuts mean a loose cable or a baud rate mismatch.',
  },
  CodeInvalidUtf8: {
    code: 213,
    summary: 'A scanned code was not valid UTF-8 and was refused.',
    action: 'Scan again; check the scanner code page (it must send UTF-8).',
  },
  CodeHasNul: {
    code: 214,
    summary: 'A scanned code held a NUL byte and was refused.',
    action: 'Scan again; check the scanner settings.',
  },
  CodeImplausible: {
    code: 215,
    summary: 'A scanned code held control characters no pass holds and was refused.',
    action: 'Scan again; check the scanner prefix and suffix settings.',
  },
  GpioUnavailable: {
    code: 220,
    summary: 'GPIO lines cannot be used on this machine (no /sys/class/gpio).',
    action: 'Run on the box with the GPIO header, or use the simulated or remote GPIO of the config.',
  },
  GpioLineInUse: {
    code: 221,
    summary: 'A GPIO line is named twice in the config.',
    action: 'Give each loop, relay and input its own line.',
  },
  CameraNotAllowed: {
    code: 240,
    summary:
      'A push to the camera listener was refused: no camera of that id, a wrong or missing secret, or a source address not on its allow list.',
    action:
      "Check the camera's alarm server settings (path /cameras/<id>, the secret in its URL or header) against the cameras section of the config.",
  },
  CameraPushRefused: {
    code: 241,
    summary:
      'A camera push was refused: larger than cameras.maxBodyBytes, malformed XML, JSON or multipart, neither UTF-8 nor GBK, or a plate or temperature that reads as nothing.',
    action:
      'Occasional: nothing (the camera sends the next read). Frequent: check the camera firmware, its picture size and its event type.',
  },
  PrinterGarbage: {
    code: 250,
    summary:
      'The receipt printer sent bytes that are no ESC/POS status reply (DLE EOT), or a reply nobody asked for; they were thrown away.',
    action:
      'Occasional: nothing. Frequent: check the baud rate (9600 8N1), that automatic status back is off, and the cable.',
  },
  PrinterNoReply: {
    code: 251,
    summary: 'The receipt printer did not answer a status request (DLE EOT) in time.',
    action:
      'Check its power, the cable and the port (serial or /dev/usb/lp0). The driver keeps asking and reconnects on its own.',
  },
  PrinterFault: {
    code: 252,
    summary:
      'The receipt printer reports a fault of its own: paper out, cover open, or an error (cutter jam, head too hot); nothing is printed until it clears.',
    action: 'Load a new paper roll, close the cover, or clear the jam; the card can be reprinted afterwards.',
  },
  ReceiptRefused: {
    code: 253,
    summary: 'A receipt was refused before encoding: it does not pass its schema or is over its budget.',
    action: 'A bug of the caller: check the receipt against devices/printer/receipt.ts (RECEIPT_LIMITS).',
  },
  PrinterBusy: {
    code: 254,
    summary: 'A print was refused: the printer is printing and its queue of waiting receipts is full.',
    action: 'Print again in a moment.',
  },
  // 300-399 Modbus and sensors
  ModbusTimeout: {
    code: 300,
    summary: 'A Modbus slave did not answer in time.',
    action: 'Check the bus wiring, termination, the slave address and its power. The poller retries.',
  },
  ModbusCrc: {
    code: 301,
    summary: 'A Modbus answer failed its CRC.',
    action: 'Occasional: nothing. Frequent: check termination, cable length and noise on the bus.',
  },
  ModbusException: {
    code: 302,
    summary: 'A Modbus slave answered with an exception code.',
    action: 'Check the register map of the device against docs/devices.md.',
  },
  ModbusBadFrame: {
    code: 303,
    summary: 'A Modbus answer was malformed (wrong address, function or length).',
    action: 'Check that only one slave answers at that address and the baud rate matches.',
  },
  ReadingImplausible: {
    code: 310,
    summary: 'A sensor reading was outside its plausible range and left out.',
    action: 'Check the sensor (lens, mounting, calibration) and the plausible range in the config.',
  },
  SensorFault: {
    code: 311,
    summary: 'A sensor reported a fault of its own.',
    action: 'Check the device; replace it if the fault stays.',
  },
  CalibrationOverdue: {
    code: 312,
    summary:
      "A thermometer's calibration is overdue: `calibrationIntervalDays` have passed since its `calibratedAt` (or it has none).",
    action:
      'Have the thermometer calibrated and set `calibratedAt` to the day on its certificate; meanwhile confirm fevers with a handheld or contact thermometer.',
  },
  // 400-499 barrier
  BarrierFault: {
    code: 400,
    summary: 'The barrier reported a fault.',
    action: 'Go to the barrier: check the arm, the motor and the controller. Staff may open it by hand.',
  },
  BarrierRefused: {
    code: 401,
    summary: 'The barrier refused a command, or did not carry it out (offline, superseded, stopped).',
    action: 'Check the barrier controller mode (local/remote) and its link.',
  },
  BarrierNoReply: {
    code: 402,
    summary: 'The barrier did not answer a command in time.',
    action: 'Check the barrier link (serial or GPIO) and the controller power.',
  },
  BarrierUnsafe: {
    code: 403,
    summary: 'A barrier command was refused because closing would be unsafe (a vehicle under the arm).',
    action: 'Wait for the vehicle to clear the loop; then close again.',
  },
  BarrierDetectorStuck: {
    code: 404,
    summary:
      'A barrier detector (safety loop, photo-eye, arming or reset loop) has seen a vehicle for longer than `stuckAfterMs`: stuck, or a vehicle left there. A stuck presence input keeps the arm up.',
    action:
      'Look at the lane. With no vehicle there, clean or realign the photo-eye, or check the loop detector and its loop; the alarm ends when the detector is clear.',
  },
  // 500-599 store and uplink
  StoreFailed: {
    code: 500,
    summary: 'The local store (SQLite) could not be opened, read or written.',
    action: 'Check the storage path, free space and the file permissions; see docs/operations.md.',
  },
  StoreFull: {
    code: 501,
    summary: 'The store reached its disk budget: telemetry is refused, decisions are still kept.',
    action: 'Restore the uplink so records drain, or raise the storage budget; see docs/operations.md.',
  },
  UplinkFailed: {
    code: 510,
    summary: 'The uplink to the central office could not connect or deliver.',
    action: 'Check the network, the central broker URL and its TLS files. Records wait in the store.',
  },
  UplinkPacketRefused: {
    code: 511,
    summary:
      'The central broker (or something between) sent the uplink a packet over its size budget (downlink.maxEnvelopeBytes plus 64 KiB of PUBLISH header, or 1 MiB without the downlink) or malformed. A message (PUBLISH) over it is skipped unread and acknowledged, so the downlink never sees it; any other such packet drops the connection before its body is read, and the uplink reconnects with its backoff.',
    action:
      'Find what the central office publishes to this site on `<topicPrefix>/<site>/down/#` or `<topicPrefix>/all/down/#` (the log line names the topic and size): send it smaller, or raise downlink.maxEnvelopeBytes if it is meant. A dropped connection that comes back each time is a broker or proxy sending broken packets. Records wait in the store.',
  },
  // 600-699 broker and MQTT
  ListenFailed: {
    code: 600,
    summary: 'The embedded broker could not listen on its address and port.',
    action: 'Free the port or change broker.tcp/broker.ws in the config; ports below 1024 need a capability.',
  },
  BrokerUnavailable: {
    code: 601,
    summary: 'No MQTT broker is reachable (or none is configured).',
    action: 'Enable broker.tcp, or give the URL of a running broker, and check it is up.',
  },
  PayloadInvalid: {
    code: 610,
    summary: 'A request or record payload did not pass its schema.',
    action: 'Fix the client: docs/mqtt.md gives every payload schema.',
  },
  NotAuthorized: {
    code: 620,
    summary: 'The broker refused a publish or subscribe the client is not allowed.',
    action: "Check the user's role and lane in the users file (gatepost user list).",
  },
  // 700-799 passes and trust lists
  TrustListUnreadable: {
    code: 710,
    summary: 'A trust list, or a key or certificate in it, cannot be read; the previous list stays in use.',
    action: 'Replace the trust list file with a sound one; the gateway reloads it on its own.',
  },
  // 800-899 yard and lanes
  YardFull: {
    code: 800,
    summary: 'No free bay of the kind asked for.',
    action: 'Release bays that are done, or place the truck in another zone.',
  },
  IllegalTransition: {
    code: 801,
    summary: 'A bay, visit or sample cannot change that way from its current state.',
    action: 'Refresh the view: someone else may have changed it. docs/yard.md lists the states.',
  },
  NotFound: {
    code: 802,
    summary: 'The bay, visit, lane or device named does not exist.',
    action: 'Check the name; the config lists the lanes, bays and devices of the site.',
  },
  LaneUnavailable: {
    code: 810,
    summary: 'The lane or yard is stopping or not running, and cannot take the request.',
    action: 'Wait for it to start again; check the gateway log.',
  },
  NoTruckOnLane: {
    code: 811,
    summary: 'Staff asked to decide a truck, but there is no truck on the lane.',
    action: 'Wait for the next truck to arrive, or register one by hand.',
  },
  // 820-839 cards (gateway/cards, docs/passes.md)
  SiteKeyUnreadable: {
    code: 820,
    summary:
      "The site's card key file (site-key.jwk in the store directory) exists but cannot be read or is not an Ed25519 private key.",
    action:
      'Restore the file from a backup of the store directory. Deleting it makes a new key, and every card issued so far stops verifying.',
  },
  CardNothingToIssue: {
    code: 821,
    summary: 'A card was asked for a lane without a decided transit, or a bay without a truck.',
    action: 'Decide the truck at the lane first (or check the bay), then issue the card.',
  },
  CardUnknown: {
    code: 822,
    summary: 'The card named does not exist at this site.',
    action: 'Check the card id printed on the card.',
  },
  CardRevoked: {
    code: 823,
    summary: 'The card is revoked: it cannot be reprinted or revoked again.',
    action: 'Issue a new card for the truck.',
  },
  CardOtherLane: {
    code: 824,
    summary:
      "A lane's kiosk asked to reprint or revoke a card that was not issued at that lane (another lane's, or the yard's).",
    action: 'Reprint or revoke it at the kiosk of the lane that issued it, or from the yard page.',
  },
  // 900-949 simulator
  SimInputInvalid: {
    code: 900,
    summary: 'A simulator option or console command was not understood.',
    action: 'See `gatepost sim --help` and docs/simulator.md for the options and console commands.',
  },
  SimLinkFailed: {
    code: 901,
    summary: 'The simulator could not set up a PTY link (socat did not start or its link did not appear).',
    action: 'Install socat and check that the link directory is writable.',
  },
  SimWaitTimedOut: {
    code: 902,
    summary:
      'A simulated device did not see what a script or test waited for in its time (a receipt that was never printed, say).',
    action:
      "Check the device's faults (paper, cover, offline) and that the gateway sent it anything (its log and device health).",
  },
  // 950-989 command line
  UsageInvalid: {
    code: 950,
    summary: 'A command was given an option or argument it does not take, or no way to read what it needs.',
    action: 'See `gatepost <command> --help`.',
  },
  SecretRefused: {
    code: 951,
    summary: 'A password or PIN was refused: too long, too weak, cancelled, or the two entries differ.',
    action: 'Enter it again; docs/security.md gives the rules for passwords and PINs.',
  },
  // 990-999 the gateway itself
  Internal: {
    code: 999,
    summary: 'A state the code does not expect (a bug), or a module started the wrong way.',
    action: 'Report it with the log lines around it.',
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorName = keyof typeof ERROR_CATALOGUE;
