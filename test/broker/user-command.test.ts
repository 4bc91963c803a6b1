import { spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySecret } from '../../broker/password-hash.ts';
import { readUsersFile } from '../../broker/users-file.ts';
import { userCommand } from '../../gateway/cli/user-command.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const ROOT = resolve(import.meta.dirname, '../..');

async function run(argv: string[], stdin = '') {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (c) => {
    text.out += c;
  });
  err.on('data', (c) => {
    text.err += c;
  });
  const code = await userCommand(argv, out, err, Readable.from([stdin]));
  return { code, ...text };
}

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir();
});
afterAll(removeTempDirs);

describe('gatepost user', () => {
  it('adds, lists, changes and removes users in a file readable by its owner only', async () => {
    const file = join(dir, 'users.json');
    const add = await run(
      ['add', 'S1001', '--role', 'kiosk', '--lane', 'east-1', '--file', file, '--password-stdin'],
      'kiosk-password-01\n',
    );
    expect(add).toMatchObject({
      code: 0,
      out: `added user S1001 (role kiosk, lane east-1, password) in ${file}\n`,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const pin = await run(
      ['add', 'C2001', '--role', 'coordinator', '--pin', '--file', file, '--password-stdin'],
      '551177',
    );
    expect(pin.code).toBe(0);

    const users = readUsersFile(file, GATEPOST_ACL).users;
    expect(users.map((u) => [u.name, u.role, u.lane, u.secret])).toEqual([
      ['C2001', 'coordinator', undefined, 'pin'],
      ['S1001', 'kiosk', 'east-1', 'password'],
    ]);
    // Hashes, never the secrets, with a salt of their own.
    expect(JSON.stringify(users)).not.toContain('kiosk-password-01');
    expect(await verifySecret('kiosk-password-01', users[1]?.hash ?? '')).toBe(true);

    const list = await run(['list', '--file', file]);
    expect(list.out).toMatch(
      /^C2001\tcoordinator\t-\tpin\tchanged .*\nS1001\tkiosk\teast-1\tpassword\tchanged /,
    );

    expect(
      (await run(['passwd', 'S1001', '--file', file, '--password-stdin'], 'another-password-9\n')).code,
    ).toBe(0);
    const after = readUsersFile(file, GATEPOST_ACL).users.find((u) => u.name === 'S1001');
    expect(await verifySecret('another-password-9', after?.hash ?? '')).toBe(true);
    expect(await verifySecret('kiosk-password-01', after?.hash ?? '')).toBe(false);

    expect((await run(['remove', 'S1001', '--file', file])).code).toBe(0);
    expect(readUsersFile(file, GATEPOST_ACL).users.map((u) => u.name)).toEqual(['C2001']);
    expect(await run(['remove', 'S1001', '--file', file])).toMatchObject({
      code: 1,
      err: expect.stringContaining('no user S1001'),
    });
  });

  it('refuses weak secrets, unknown roles, a kiosk without a lane, and strange names', async () => {
    const file = join(dir, 'refusals.json');
    const tries = [
      {
        argv: ['add', 'S1', '--role', 'viewer', '--file', file, '--password-stdin'],
        stdin: 'short',
        code: 1,
        err: 'at least 12 characters',
      },
      {
        argv: [
          'add',
          'S1',
          '--role',
          'kiosk',
          '--pin',
          '--lane',
          'east-1',
          '--file',
          file,
          '--password-stdin',
        ],
        stdin: '1234',
        code: 1,
        err: '6 to 12 digits',
      },
      {
        argv: ['add', 'S1', '--role', 'admin', '--file', file, '--password-stdin'],
        stdin: 'long-enough-password',
        code: 2,
        err: '--role must be one of',
      },
      {
        argv: ['add', 'S1', '--role', 'loopback', '--file', file, '--password-stdin'],
        stdin: 'long-enough-password',
        code: 2,
        err: '--role must be one of',
      },
      {
        argv: ['add', 'S1', '--role', 'kiosk', '--file', file, '--password-stdin'],
        stdin: 'long-enough-password',
        code: 2,
        err: 'needs --lane',
      },
      {
        argv: ['add', 'a/#', '--role', 'viewer', '--file', file, '--password-stdin'],
        stdin: 'long-enough-password',
        code: 2,
        err: 'user name',
      },
      {
        argv: ['passwd', 'S1', '--file', file, '--password-stdin'],
        stdin: 'long-enough-password',
        code: 1,
        err: 'does not exist',
      },
    ];
    for (const t of tries) {
      const r = await run(t.argv, t.stdin);
      expect({ code: r.code, err: r.err.includes(t.err) }, t.argv.join(' ')).toEqual({
        code: t.code,
        err: true,
      });
    }
  });

  it('asks for a terminal when not told --password-stdin, and finds the file through the config', async () => {
    const usersFile = join(dir, 'from-config.json');
    const config = join(dir, 'site.yaml');
    writeFileSync(
      config,
      `version: 1\nsite: { id: demo, name: Demo }\nbroker: { usersFile: ${usersFile} }\n` +
        'checkpoints: [{ id: east, name: East, lanes: [{ id: east-1, name: E1, devices: { scanner: { port: { path: /dev/null } }, barrier: { kind: serial, port: { path: /dev/zero } } } }] }]\n' +
        'yard: { zones: [{ id: p, name: P, kind: parking, bays: [{ prefix: P, from: 1, to: 2 }] }] }\n',
    );
    const noTty = await run(['add', 'V3001', '--role', 'viewer', '--config', config]);
    expect(noTty).toMatchObject({ code: 1, err: expect.stringContaining('use --password-stdin') });

    // The real command, as an operator's script would run it.
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/gatepost.js'),
        'user',
        'add',
        'V3001',
        '--role',
        'viewer',
        '--config',
        config,
        '--password-stdin',
      ],
      {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stdin.end('viewer-password-1\n');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(out).toBe(`added user V3001 (role viewer, password) in ${usersFile}\n`);
    expect(readUsersFile(usersFile, GATEPOST_ACL).users.map((u) => u.name)).toEqual(['V3001']);
  });
});
