import { describe, expect, it } from 'vitest';
import { INTERNAL_GATEWAY_USER } from '../../broker/authenticate.ts';
import { changeSecret, readUsersFile, removeUser, writeUsersFile } from '../../broker/users-file.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import {
  brokerSuite,
  closed,
  connackCode,
  connect,
  connectGatewayClient,
  connectPacket,
  externalAddress,
  KIOSK_EAST_1,
  KIOSK_EAST_2_PIN,
  rawClient,
  refusal,
  startBroker,
  type TestUser,
  VIEWER,
  VIEWER_LOGIN,
  waitFor,
  writeUsers,
} from '../support/broker-harness.ts';

const USERS: TestUser[] = [
  KIOSK_EAST_1,
  KIOSK_EAST_2_PIN,
  VIEWER,
  { name: 'central', role: 'uplink', secret: 'password', password: 'central-password1' },
  { name: 'gw-remote', role: 'gateway', secret: 'password', password: 'gateway-password1' },
];
/** CONNACK return codes of MQTT 3.1.1. */
const IDENTIFIER_REJECTED = 2;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

const suite = brokerSuite(USERS);

const kiosk = { username: 'S1001', password: 'kiosk-password-01', clientId: 'S1001-kiosk' };

describe('authentication', () => {
  it('lets a user in with the right password and refuses a wrong one or an unknown name', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile });
    const url = broker.url ?? '';
    const ok = await connect(url, kiosk);
    expect(ok.connected).toBe(true);
    expect(await refusal(url, { ...kiosk, password: 'kiosk-password-02' })).toBe(BAD_CREDENTIALS);
    expect(await refusal(url, { ...kiosk, username: 'S9999', clientId: 'S9999-x' })).toBe(BAD_CREDENTIALS);
    expect(await refusal(url, { ...kiosk, password: '' })).toBe(BAD_CREDENTIALS);
    expect(broker.refusals().connect).toBe(3);
  });

  it('never takes a staff PIN as an MQTT password', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile });
    const pinLogin = { username: 'S1002', password: '482913', clientId: 'S1002-kiosk' };
    expect(await refusal(broker.url ?? '', pinLogin)).toBe(BAD_CREDENTIALS);
  });

  it("binds client ids to their user: nobody connects under another client's id", async () => {
    const broker = await startBroker({ usersFile: suite.usersFile });
    const url = broker.url ?? '';
    expect(await refusal(url, { ...kiosk, clientId: 'V3001-screen' })).toBe(IDENTIFIER_REJECTED);
    expect(await refusal(url, { ...kiosk, clientId: 'gatepost-demo-gateway' })).toBe(IDENTIFIER_REJECTED);
    expect(await refusal(url, { ...kiosk, clientId: 'S1001' })).toBe('accepted');
  });

  it("keeps the in-process gateway's client id from every network user, gateway role included", async () => {
    const broker = await startBroker({ usersFile: suite.usersFile, gatewayUser: INTERNAL_GATEWAY_USER });
    const url = broker.url ?? '';
    const gateway = await connect(url, { ...broker.gatewayCredentials, clientId: 'gatepost-demo-gateway' });
    let takenOver = 0;
    gateway.on('close', () => takenOver++);
    const remote = {
      username: 'gw-remote',
      password: 'gateway-password1',
      clientId: 'gatepost-demo-gateway',
    };
    for (let i = 0; i < 12; i++) expect(await refusal(url, remote)).toBe(IDENTIFIER_REJECTED);
    expect(takenOver).toBe(0);
    expect(gateway.connected).toBe(true);
    // The same user under another id of its own is let in.
    expect(await refusal(url, { ...remote, clientId: 'gw-remote-1' })).toBe('accepted');

    // A broker run apart (`gatepost broker`, a cluster node) has no gateway in its process: the
    // site's gateway connects to it as a user of role gateway, with this id.
    const node = await startBroker({ usersFile: suite.usersFile });
    expect(await refusal(node.url ?? '', remote)).toBe('accepted');
  });

  it('takes anonymous clients on loopback only, and only when the config allows it', async () => {
    const address = externalAddress();
    const open = await startBroker({ tcp: { enabled: true, host: '0.0.0.0', port: 0 } });
    expect(await refusal(`mqtt://127.0.0.1:${open.tcpPort}`)).toBe('accepted');
    // Any client id but the gateway's own, which would cut the gateway off.
    expect(await refusal(`mqtt://127.0.0.1:${open.tcpPort}`, { clientId: 'mosquitto_sub-1' })).toBe(
      'accepted',
    );
    expect(await refusal(`mqtt://127.0.0.1:${open.tcpPort}`, { clientId: 'gatepost-demo-gateway' })).toBe(
      IDENTIFIER_REJECTED,
    );
    if (address) expect(await refusal(`mqtt://${address}:${open.tcpPort}`)).toBe(NOT_AUTHORIZED);

    const closedBox = await startBroker({ allowAnonymousLoopback: false });
    expect(await refusal(closedBox.url ?? '')).toBe(NOT_AUTHORIZED);
  });

  it('refuses passwords when there is no users file', async () => {
    const broker = await startBroker();
    expect(await refusal(broker.url ?? '', kiosk)).toBe(BAD_CREDENTIALS);
  });

  it('lets the gateway process in with its in-process credentials, from this box only', async () => {
    const broker = await startBroker({
      usersFile: suite.usersFile,
      allowAnonymousLoopback: false,
      tcp: { enabled: true, host: '0.0.0.0', port: 0 },
    });
    const creds = { ...broker.gatewayCredentials, clientId: 'gatepost-demo-gateway' };
    const gateway = await connect(`mqtt://127.0.0.1:${broker.tcpPort}`, creds);
    await gateway.publishAsync('gatepost/demo/lane/east-1/decision', '{}', { qos: 1 });
    expect(gateway.connected).toBe(true);
    expect(await refusal(`mqtt://127.0.0.1:${broker.tcpPort}`, { ...creds, password: 'guess' })).toBe(
      BAD_CREDENTIALS,
    );
    const address = externalAddress();
    if (address) expect(await refusal(`mqtt://${address}:${broker.tcpPort}`, creds)).toBe(BAD_CREDENTIALS);
  });

  it("lets the gateway's own MQTT client in as role gateway, with its retained state and last will", async () => {
    const broker = await startBroker({ usersFile: suite.usersFile, allowAnonymousLoopback: false });
    const screen = await connect(broker.url ?? '', {
      username: 'V3001',
      password: 'viewer-password-1',
      clientId: 'V3001-wall',
    });
    const states: { state: string; reason: string }[] = [];
    screen.on('message', (_t, p) => states.push(JSON.parse(p.toString())));
    await screen.subscribeAsync('gatepost/demo/gateway/state', { qos: 1 });
    const gateway = await connectGatewayClient(broker);
    await waitFor(() => states.length === 1, 3000, 'the online state');
    await gateway.stop();
    await waitFor(() => states.length === 2, 3000, 'the offline state');
    expect(states.map((s) => `${s.state}/${s.reason}`)).toEqual(['online/started', 'offline/shutdown']);
    expect(broker.refusals().connect + broker.refusals().publish).toBe(0);
  });

  it('keeps sessions only for roles that may have one', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile });
    const url = broker.url ?? '';
    const viewer = VIEWER_LOGIN;
    expect(await refusal(url, { ...viewer, clean: false })).toBe(NOT_AUTHORIZED);
    expect(await refusal(url, viewer)).toBe('accepted');
    const central = { username: 'central', password: 'central-password1', clientId: 'central-bridge' };
    expect(await refusal(url, { ...central, clean: false })).toBe('accepted');
  });

  it('refuses a CONNECT whose will the user could not publish', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile });
    const will = {
      topic: 'gatepost/demo/lane/east-1/decision',
      payload: Buffer.from('{}'),
      qos: 1 as const,
      retain: false,
    };
    expect(await refusal(broker.url ?? '', { ...kiosk, will })).toBe(NOT_AUTHORIZED);
  });

  it('closes the connections of a user whose password changed or who was removed, and refuses the old password', async () => {
    const file = await writeUsers(suite.dir, USERS, 'users-edit.json');
    const broker = await startBroker({ usersFile: file, filePollMs: 50 });
    const url = broker.url ?? '';
    const live = await connect(url, kiosk);
    const viewer = VIEWER_LOGIN;
    const viewerLive = await connect(url, viewer);

    const changed = await changeSecret(
      readUsersFile(file, GATEPOST_ACL),
      'S1001',
      'a-new-kiosk-password',
      Date.now(),
    );
    writeUsersFile(file, changed!);
    expect(await closed(live, 5000)).toBe(true);
    expect(viewerLive.connected).toBe(true);
    expect(await refusal(url, kiosk)).toBe(BAD_CREDENTIALS);
    expect(await refusal(url, { ...kiosk, password: 'a-new-kiosk-password' })).toBe('accepted');

    writeUsersFile(file, removeUser(readUsersFile(file, GATEPOST_ACL), 'V3001')!);
    expect(await closed(viewerLive, 5000)).toBe(true);
    expect(await refusal(url, viewer)).toBe(BAD_CREDENTIALS);
  });

  it('turns an address away after ten failed logins in a minute, right password or not', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile });
    const url = broker.url ?? '';
    for (let i = 0; i < 10; i++)
      expect(await refusal(url, { ...kiosk, password: `wrong-${i}-xxxxxxx` })).toBe(BAD_CREDENTIALS);
    expect(await refusal(url, kiosk)).toBe(BAD_CREDENTIALS);
  });
});

describe('MQTT 3.1.1 where Aedes is lax', () => {
  it('refuses a zero-length client id with clean session off (CONNACK 0x02) [MQTT-3.1.3-8]', async () => {
    const broker = await startBroker();
    const raw = await rawClient(broker.tcpPort ?? 0);
    raw.socket.write(connectPacket({ clientId: '', clean: false }));
    await raw.closed;
    expect(connackCode(raw.received())).toBe(IDENTIFIER_REJECTED);

    const ok = await rawClient(broker.tcpPort ?? 0);
    ok.socket.write(connectPacket({ clientId: '', clean: true }));
    await waitFor(() => ok.received().length >= 4, 3000, 'a CONNACK');
    expect(connackCode(ok.received())).toBe(0);
  });

  it('closes a connection whose CONNECT has a password but no user name, without a CONNACK [MQTT-3.1.2-22]', async () => {
    const broker = await startBroker({ usersFile: suite.usersFile });
    const raw = await rawClient(broker.tcpPort ?? 0);
    raw.socket.write(connectPacket({ clientId: 'S1001-x', clean: true, password: 'kiosk-password-01' }));
    await raw.closed;
    expect(raw.received().length).toBe(0);
    expect(broker.refusals().connect).toBe(1);
  });
});
