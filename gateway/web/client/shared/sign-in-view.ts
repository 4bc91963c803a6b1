import { h, mount } from './dom.ts';
import { currentLang, onLanguageChange, setLanguage, t } from './i18n.ts';
import { keyboard } from './keyboard.ts';
import type { SessionManager } from './session.ts';

/**
 * The sign-in screen over the whole page: staff ID and PIN, each with its on-screen keyboard
 * (the one of the field being filled is shown). Without PIN sign-in (the demo) only the staff
 * ID is asked, with a note saying so. `onTap` runs inside the sign-in tap (the page unlocks its
 * alarm sound there: browsers play audio only after a touch).
 */
export interface SignInViewOptions {
  title: () => string;
  session: SessionManager;
  /** Why the last session ended (idle, expired), shown once. */
  notice?: string;
  onTap: () => void;
}

export function signInView(o: SignInViewOptions): HTMLElement {
  const root = h('div', { class: 'sign-in', dataset: { testid: 'sign-in' } });
  const staff = h('input', {
    class: 'field-input',
    name: 'staffId',
    maxlength: 32,
    dataset: { testid: 'staff-id' },
  });
  const pin = h('input', {
    class: 'field-input',
    name: 'pin',
    type: 'password',
    maxlength: 12,
    dataset: { testid: 'pin' },
  });
  const message = h('div', { class: 'sign-in-message', role: 'alert' }, o.notice ?? '');
  let field: 'staff' | 'pin' = 'staff';
  let busy = false;

  const submit = async () => {
    if (busy) return;
    o.onTap();
    if (!staff.value) {
      field = 'staff';
      return draw();
    }
    if (o.session.withPin && !pin.value) {
      field = 'pin';
      return draw();
    }
    busy = true;
    message.textContent = t('signin.checking');
    const r = await o.session.signIn(staff.value.trim(), pin.value);
    busy = false;
    pin.value = '';
    if (!r.ok) message.textContent = r.message;
  };

  const next = () => {
    if (o.session.withPin && field === 'staff') {
      field = 'pin';
      draw();
    } else void submit();
  };

  staff.addEventListener('focus', () => {
    if (field !== 'staff') {
      field = 'staff';
      draw();
    }
  });
  pin.addEventListener('focus', () => {
    if (field !== 'pin') {
      field = 'pin';
      draw();
    }
  });
  const kbStaff = keyboard('alnum', staff, { onEnter: next });
  const kbPin = keyboard('pin', pin, { onEnter: () => void submit() });

  const draw = () => {
    mount(
      root,
      h(
        'div',
        { class: 'sign-in-card' },
        h(
          'div',
          { class: 'sign-in-head' },
          h('h1', null, o.title()),
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-small',
              onclick: () => setLanguage(currentLang() === 'zh' ? 'en' : 'zh'),
            },
            currentLang() === 'zh' ? 'English' : '中文',
          ),
        ),
        h('h2', null, t('signin.title')),
        h(
          'label',
          { class: `field${field === 'staff' ? ' field-active' : ''}` },
          h('span', null, t('signin.staffId')),
          staff,
        ),
        o.session.withPin
          ? h(
              'label',
              { class: `field${field === 'pin' ? ' field-active' : ''}` },
              h('span', null, t('signin.pin')),
              pin,
            )
          : h('p', { class: 'sign-in-note' }, t('signin.demo')),
        field === 'staff' ? kbStaff : kbPin,
        message,
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-primary btn-block',
            dataset: { testid: 'sign-in-submit' },
            onclick: () => void submit(),
          },
          t('signin.submit'),
        ),
      ),
    );
    (field === 'staff' ? staff : pin).focus({ preventScroll: true });
  };
  onLanguageChange(() => {
    if (root.isConnected) draw();
  });
  draw();
  return root;
}
