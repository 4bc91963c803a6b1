import { h, mount } from '../shared/dom.ts';
import { tEnum } from '../shared/i18n.ts';
import type { YardModel } from './yard-model.ts';

/**
 * The zone filter under the map: one button per zone with truck bays; a tap shows only that
 * zone (the others dimmed), a tap on the chosen zone shows them all again.
 */
export class ZoneFilter {
  readonly el = h('div', { class: 'zone-filter' });

  constructor(
    private readonly model: YardModel,
    private readonly onFilter: () => void,
  ) {
    this.render();
  }

  /** The buttons, after a change of language or of the filter. */
  render(): void {
    const m = this.model;
    mount(
      this.el,
      m.zones
        .filter((z) => z.bays.length > 0)
        .map((z) => {
          const on = m.filters.zone === z.id;
          return h(
            'button',
            {
              type: 'button',
              class: `btn zone-button${on ? ' on' : ''}`,
              'aria-pressed': String(on),
              dataset: { testid: `zone-${z.id}` },
              onclick: () => {
                m.filters = { ...m.filters, zone: on ? undefined : z.id };
                this.onFilter();
                this.render();
              },
            },
            tEnum('zoneKind', z.kind),
          );
        }),
    );
  }
}
