import { randomUUID } from 'node:crypto';

/**
 * Bodies as real cameras push them (shapes: test/fixtures/cameras/README.md): Hikvision ISAPI
 * ANPR alerts, bare or multipart with pictures, in UTF-8 or GBK; the generic JSON; Hikvision
 * body-temperature face captures in °C or °F, bare or multipart with the face picture.
 */
let gbkTable: Map<string, Buffer> | undefined;

/** GBK bytes of a text (Node has a GBK decoder but no encoder: the table is the decoder's inverse). */
export function gbkEncode(text: string): Buffer {
  if (!gbkTable) {
    gbkTable = new Map();
    const dec = new TextDecoder('gbk');
    for (let hi = 0x81; hi <= 0xfe; hi++)
      for (let lo = 0x40; lo <= 0xfe; lo++) {
        if (lo === 0x7f) continue;
        const ch = dec.decode(Uint8Array.of(hi, lo));
        if (ch.length === 1 && ch !== '\ufffd' && !gbkTable.has(ch)) gbkTable.set(ch, Buffer.from([hi, lo]));
      }
  }
  const table = gbkTable;
  return Buffer.concat(
    [...text].map((ch) =>
      ch.charCodeAt(0) < 0x80 ? Buffer.from(ch, 'latin1') : (table.get(ch) ?? Buffer.from('?')),
    ),
  );
}

export interface AnprAlert {
  plate: string;
  colour: string;
  confidence: number;
  at: Date;
  encoding?: 'utf-8' | 'gbk';
  uuid?: string;
}

/** The XML of an ISAPI ANPR `EventNotificationAlert`, in its encoding's bytes. */
export function anprXml(a: AnprAlert): Buffer {
  const gbk = a.encoding === 'gbk';
  const xml = `<?xml version="1.0" encoding="${gbk ? 'GB2312' : 'UTF-8'}"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>10.20.1.31</ipAddress>
<protocol>HTTP</protocol>
<channelID>1</channelID>
<dateTime>${a.at.toISOString()}</dateTime>
<activePostCount>1</activePostCount>
<eventType>ANPR</eventType>
<eventState>active</eventState>
<eventDescription>ANPR</eventDescription>
<ANPR>
<licensePlate>${a.plate}</licensePlate>
<line>1</line>
<direction>forward</direction>
<confidenceLevel>${a.confidence}</confidenceLevel>
<plateColor>${a.colour}</plateColor>
<vehicleType>truck</vehicleType>
<pictureInfoList>
<pictureInfo><fileName>licensePlatePicture.jpg</fileName><type>licensePlatePicture</type></pictureInfo>
<pictureInfo><fileName>detectionPicture.jpg</fileName><type>detectionPicture</type></pictureInfo>
</pictureInfoList>
</ANPR>
<UUID>${a.uuid ?? randomUUID()}</UUID>
<picNum>2</picNum>
</EventNotificationAlert>
`;
  return gbk ? gbkEncode(xml) : Buffer.from(xml, 'utf8');
}

/** A stand-in JPEG of about `bytes` bytes (SOI, filler, EOI). */
export function jpeg(bytes: number, seed: number): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    Buffer.alloc(Math.max(0, bytes - 6), seed & 0xff),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A multipart/form-data body of named parts, each with its Content-Type. */
function multipart(parts: { name: string; type: string; data: Buffer }[]): {
  body: Buffer;
  contentType: string;
} {
  const boundary = `MIME_boundary_${randomUUID().slice(0, 8)}`;
  const body = Buffer.concat([
    ...parts.flatMap(({ name, type, data }) => [
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}"\r\nContent-Type: ${type}\r\nContent-Length: ${data.length}\r\n\r\n`,
      ),
      data,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The multipart/form-data push of an ANPR camera: `anpr.xml` and its two pictures. */
export function anprMultipart(xml: Buffer, pictureBytes = 60_000): { body: Buffer; contentType: string } {
  return multipart([
    { name: 'anpr.xml', type: 'text/xml', data: xml },
    { name: 'licensePlatePicture.jpg', type: 'image/jpeg', data: jpeg(Math.round(pictureBytes / 20), 1) },
    { name: 'detectionPicture.jpg', type: 'image/jpeg', data: jpeg(pictureBytes, 2) },
  ]);
}

/** The multipart/form-data push of a thermal camera's face capture: the JSON and its face picture. */
export function faceCaptureMultipart(
  json: Buffer,
  pictureBytes = 40_000,
): { body: Buffer; contentType: string } {
  return multipart([
    { name: 'faceCapture.json', type: 'application/json', data: json },
    { name: 'faceImage.jpg', type: 'image/jpeg', data: jpeg(pictureBytes, 3) },
  ]);
}

/** A Hikvision body-temperature face capture (JSON), in °C or °F. */
export function faceCaptureJson(objectC: number, unit: 'celsius' | 'fahrenheit', at: Date): Buffer {
  const value = unit === 'fahrenheit' ? Math.round((objectC * 1.8 + 32) * 10) / 10 : objectC;
  return Buffer.from(
    JSON.stringify({
      ipAddress: '10.20.1.41',
      protocol: 'HTTP',
      channelID: 1,
      dateTime: at.toISOString(),
      eventType: 'faceCapture',
      eventState: 'active',
      faceCapture: [
        {
          targetAttrs: { deviceName: 'THERMAL CAMERA', faceTime: at.toISOString() },
          faces: [
            {
              faceId: 1,
              faceSnapThermometryEnabled: 'true',
              currTemperature: value,
              isAbnomalTemperature: objectC >= 37.3 ? 'true' : 'false',
              thermometryUnit: unit,
              alarmTemperature: unit === 'fahrenheit' ? 99.1 : 37.3,
            },
          ],
        },
      ],
    }),
  );
}
