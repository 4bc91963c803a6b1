import { closeDialog, openDialog } from './dialog.ts';
import { h, setText } from './dom.ts';
import { onLanguageChange, t } from './i18n.ts';
import { keyboard } from './keyboard.ts';
import type { SessionManager } from './session.ts';

/**
 * The idle lock: after `idleLockMinutes` without a touch the page locks its ACTIONS only. The
 * page stays signed in and connected; what it shows (the lane, the truck, banners, alarms and
 * their sounds, the yard map) stays live. A big "locked: enter PIN" control opens a PIN keypad;
 * the signed-in person's PIN unlocks (their staff ID without PINs, in the demo).
 *
 * While locked, a tap on any button of the page's content or of a dialog opens the keypad
 * instead of acting (the status bar's language and sign-out stay usable); a dialog open when the
 * lock comes is closed. Pages that show their buttons disabled read `locked`. The page places
 * `control` where it covers no target (the kiosk above its buttons, the yard in its notice strip).
 */
export class IdleLock {
  readonly control: HTMLButtonElement;
  private locked = false;
  /** Why unlocking cannot work now (the gateway gone: the PIN cannot be checked), if so. */
  private unavailable: string | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly session: SessionManager) {
    this.control = h('button', {
      type: 'button',
      class: 'btn idle-lock-control',
      hidden: true,
      dataset: { testid: 'idle-lock', lockFree: '' },
      onclick: () => this.openKeypad(),
    });
    this.label();
    onLanguageChange(() => this.label());
    session.onIdle(() => this.lock());
    document.addEventListener('click', (ev) => this.guard(ev), { capture: true });
  }

  get isLocked(): boolean {
    return this.locked;
  }

  /** Called after the page locks or unlocks. */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** The PIN cannot be checked now (the reason, shown on the disabled control), or can again. */
  setUnavailable(reason: string | undefined): void {
    if (reason === this.unavailable) return;
    this.unavailable = reason;
    this.control.disabled = reason !== undefined;
    this.label();
  }

  /** Opens the PIN keypad (the control's tap, or a tap on an action while locked). */
  openKeypad(): void {
    if (this.unavailable !== undefined) return;
    const anonymous = this.session.current?.anonymous !== false || !this.session.withPin;
    const input = h('input', {
      class: 'field-input',
      maxlength: anonymous ? 32 : 12,
      ...(anonymous ? {} : { type: 'password' }),
      dataset: { testid: 'unlock-input' },
    });
    const message = h('div', { class: 'lock-message', role: 'alert', dataset: { testid: 'unlock-message' } });
    let busy = false;
    const submit = async () => {
      if (busy || !input.value) return false;
      busy = true;
      setText(message, t('signin.checking'));
      const r = await this.session.unlock(input.value);
      busy = false;
      input.value = '';
      if (!r.ok) {
        setText(message, r.message);
        return false;
      }
      this.setLocked(false);
      dialog.close();
      return true;
    };
    const dialog = openDialog({
      title: t('lock.title'),
      class: 'dialog-lock',
      body: h(
        'div',
        { class: 'form', dataset: { lockFree: '' } },
        h(
          'label',
          { class: 'field' },
          h(
            'span',
            null,
            anonymous ? t('lock.staffId') : t('lock.pinOf', { id: this.session.current?.staffId ?? '?' }),
          ),
          input,
        ),
        message,
        keyboard(anonymous ? 'alnum' : 'pin', input, {
          onEnter: () => void submit(),
          enterLabel: t('lock.unlock'),
        }),
      ),
      actions: [{ label: t('dialog.cancel'), onClick: () => true }],
    });
    // The keypad's own buttons (and its cancel) work while locked.
    input.closest('.dialog-overlay')?.setAttribute('data-lock-free', '');
    input.focus();
  }

  private lock(): void {
    if (this.locked) return;
    closeDialog();
    this.setLocked(true);
  }

  private setLocked(locked: boolean): void {
    this.locked = locked;
    this.control.hidden = !locked;
    document.body.classList.toggle('is-locked', locked);
    for (const l of this.listeners) l();
  }

  private label(): void {
    setText(this.control, this.unavailable ?? t('lock.control'));
  }

  /** While locked, a tap on a page or dialog button opens the keypad instead of acting. */
  private guard(ev: MouseEvent): void {
    if (!this.locked) return;
    const target = ev.target instanceof Element ? ev.target : null;
    const button = target?.closest('button');
    if (!button || button.closest('[data-lock-free]')) return;
    if (!button.closest('.page-main, .dialog-overlay')) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    this.openKeypad();
  }
}
