import { type Child, h } from './dom.ts';

/**
 * A modal dialog (over the whole page, big buttons) and short notices ("toasts") that fade out.
 * One dialog at a time: opening another closes the first.
 */
export interface DialogAction {
  label: string;
  kind?: 'primary' | 'danger' | 'plain';
  /** Return false to keep the dialog open (e.g. a field is missing). */
  onClick: () => boolean | undefined | Promise<boolean | undefined>;
}

let open: { close: () => void } | undefined;

export function openDialog(o: { title: string; body: Child; actions: DialogAction[]; class?: string }): {
  close: () => void;
} {
  open?.close();
  const buttons = o.actions.map((a) => {
    const b = h('button', { type: 'button', class: `btn btn-${a.kind ?? 'plain'}` }, a.label);
    b.addEventListener('click', async () => {
      for (const x of buttons) x.disabled = true;
      try {
        if ((await a.onClick()) !== false) handle.close();
      } finally {
        for (const x of buttons) x.disabled = false;
      }
    });
    return b;
  });
  const overlay = h(
    'div',
    { class: 'dialog-overlay', role: 'dialog', 'aria-modal': 'true' },
    h(
      'div',
      { class: `dialog ${o.class ?? ''}` },
      h('h2', { class: 'dialog-title' }, o.title),
      h('div', { class: 'dialog-body' }, o.body),
      h('div', { class: 'dialog-actions' }, buttons),
    ),
  );
  document.body.appendChild(overlay);
  const handle = {
    close: () => {
      overlay.remove();
      if (open === handle) open = undefined;
    },
  };
  open = handle;
  return handle;
}

export function closeDialog(): void {
  open?.close();
}

let toastBox: HTMLElement | undefined;

export function toast(text: string, kind: 'ok' | 'error' = 'ok', ms = 5_000): void {
  if (!toastBox?.isConnected) {
    toastBox = h('div', { class: 'toasts', 'aria-live': 'assertive' });
    document.body.appendChild(toastBox);
  }
  const el = h('div', { class: `toast toast-${kind}` }, text);
  toastBox.appendChild(el);
  // A few at a time: the newest matter, and the page underneath must stay visible.
  while (toastBox.childElementCount > 3) toastBox.firstElementChild?.remove();
  setTimeout(() => el.remove(), ms);
}
