import type { AttentionSound } from '../shared/attention-sound.ts';
import { openDialog } from '../shared/dialog.ts';
import { h, setText } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';

/**
 * The volume check right after sign-in: "Test sound" plays the check pattern (and, being a
 * touch, lets the browser play the alarms later); staff confirm they heard it beside the lane.
 * The kiosk is live behind it all the while.
 */
export function soundCheck(sound: AttentionSound): void {
  let tested = false;
  const note = h('p', { class: 'sound-note', dataset: { testid: 'sound-note' } }, t('soundCheck.text'));
  openDialog({
    title: t('soundCheck.title'),
    class: 'dialog-sound',
    body: h(
      'div',
      { class: 'form' },
      note,
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-primary btn-sound-test',
          dataset: { testid: 'sound-test', lockFree: '' },
          onclick: () => {
            tested = true;
            sound.check();
          },
        },
        t('soundCheck.test'),
      ),
    ),
    actions: [
      {
        label: t('soundCheck.heard'),
        kind: 'plain',
        onClick: () => {
          if (tested) return true;
          setText(note, t('soundCheck.first'));
          return false;
        },
      },
    ],
  });
}
