import { cardHead } from './card-head.ts';
import { h, mount } from './dom.ts';
import { onLanguageChange, t } from './i18n.ts';
import { keyboard } from './keyboard.ts';
import type { SessionManager } from './session.ts';

/**
 * The sign-in screen over the whole page: staff ID and PIN, each with its on-screen keyboard
 * (the one of the field being filled is shown). Without PIN sign-in (the demo) only the staff
 * ID is asked, with a note saying so. The fields and the sign-in button share one row, the note
 * or message has a slot of its own height, the keyboard comes last: all of it fits 1024×600
 * with keys of at least 60 px, and nothing moves when a message appears.
 */
export interface SignInViewOptions {
  title: () => string;
  session: SessionManager;
  /** Why the last session ended (expired), shown once. */
  notice?: string;
}

export function signInView(o: SignInViewOptions): HTMLElement {
  // Over the whole page, like a modal: nothing behind it can be touched until someone signs in.
  const root = h('div', {
    class: 'sign-in',
    role: 'dialog',
    'aria-modal': 'true',
    dataset: { testid: 'sign-in' },
  });
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
  // One slot, its height kept, for the demo's note or the last message: nothing moves when a
  // message comes.
  const note = o.session.withPin ? '' : t('signin.demo');
  const message = h('div', {
    class: 'sign-in-message',
    role: 'alert',
    dataset: { testid: 'sign-in-message' },
  });
  const say = (text: string | undefined) => {
    message.textContent = text || note;
    message.classList.toggle('sign-in-note', !text);
  };
  say(o.notice);
  let field: 'staff' | 'pin' = 'staff';
  let busy = false;

  const submit = async () => {
    if (busy) return;
    if (!staff.value) {
      field = 'staff';
      return draw();
    }
    if (o.session.withPin && !pin.value) {
      field = 'pin';
      return draw();
    }
    busy = true;
    say(t('signin.checking'));
    const r = await o.session.signIn(staff.value.trim(), pin.value);
    busy = false;
    pin.value = '';
    say(r.ok ? undefined : r.message);
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
    if (message.classList.contains('sign-in-note')) say(undefined);
    mount(
      root,
      h(
        'div',
        { class: 'sign-in-card' },
        cardHead(o.title(), h('h2', null, t('signin.title'))),
        h(
          'div',
          { class: 'sign-in-fields' },
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
            : null,
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-primary sign-in-submit',
              dataset: { testid: 'sign-in-submit' },
              onclick: () => void submit(),
            },
            t('signin.submit'),
          ),
        ),
        message,
        field === 'staff' ? kbStaff : kbPin,
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
