import { cardHead } from './card-head.ts';
import { h, mount } from './dom.ts';
import { onLanguageChange, t } from './i18n.ts';
import type { AnonymousAccess } from './site-info.ts';

/**
 * What a page shows instead of the sign-in when it cannot sign anyone in where it was opened: the
 * demo (no staff accounts, `broker.usersFile` unset) opened from another device, or on the box by
 * a network address, or with anonymous access off. The server says which (`/config.json`,
 * `auth.anonymous`); this view words it in the page's language and says how to create a staff
 * account, instead of letting the broker refuse the connection after a sign-in.
 */
export interface RemoteDeviceViewOptions {
  title: () => string;
  access: Exclude<AnonymousAccess, 'allowed'>;
  page: 'kiosk' | 'yard';
  lane?: string;
}

export function remoteDeviceView(o: RemoteDeviceViewOptions): HTMLElement {
  const root = h('div', {
    class: 'sign-in remote-device',
    role: 'dialog',
    'aria-modal': 'true',
    dataset: { testid: 'remote-device', reason: o.access },
  });
  const onBox = `http://localhost${location.port ? `:${location.port}` : ''}${location.pathname}`;
  const command =
    o.page === 'kiosk'
      ? `npx gatepost user add S1001 --role kiosk --lane ${o.lane ?? 'east-1'} --pin`
      : 'npx gatepost user add S2001 --role coordinator --pin';
  const draw = () => {
    mount(
      root,
      h(
        'div',
        { class: 'sign-in-card' },
        cardHead(o.title()),
        h('h2', null, t('remote.title')),
        h(
          'p',
          { class: 'remote-reason', role: 'alert', dataset: { testid: 'remote-reason' } },
          t(`remote.${o.access}`, { url: onBox }),
        ),
        o.access === 'remote-device' ? h('p', null, t('remote.onBox', { url: onBox })) : null,
        h('p', { class: 'remote-how' }, t('remote.howTo')),
        h(
          'ol',
          { class: 'remote-steps' },
          h('li', null, t('remote.step1'), h('code', null, 'usersFile: var/users.json')),
          h('li', null, t('remote.step2'), h('code', { dataset: { testid: 'remote-command' } }, command)),
          h('li', null, t('remote.step3')),
        ),
      ),
    );
  };
  onLanguageChange(() => {
    if (root.isConnected) draw();
  });
  draw();
  return root;
}
