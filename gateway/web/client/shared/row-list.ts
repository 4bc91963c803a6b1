import { h, setText } from './dom.ts';

/**
 * A list of tappable rows that is updated in place: rows are kept and only their text and
 * classes change, so a list refreshed every second (countdowns) never swallows a tap by
 * replacing the row under a finger. Each row is a button of `cells` spans; tapping it hands its
 * current item to `onPick`.
 */
interface Row<T> {
  li: HTMLLIElement;
  cells: HTMLElement[];
  item: T | undefined;
}

export class RowList<T> {
  readonly el: HTMLElement;
  private readonly rows: Row<T>[] = [];
  private readonly empty = h('li', { class: 'empty' });

  constructor(
    attrs: { class: string; testid?: string },
    private readonly cellClasses: readonly string[],
    private readonly onPick: (item: T) => void,
  ) {
    this.el = h(
      'ol',
      { class: attrs.class, ...(attrs.testid ? { dataset: { testid: attrs.testid } } : {}) },
      this.empty,
    );
  }

  /** Shows `items` (each row's cell texts from `cells`, its class from `rowClass`), or `emptyText`. */
  update(
    items: readonly T[],
    cells: (item: T) => string[],
    rowClass: (item: T) => string,
    emptyText: string,
  ): void {
    this.empty.hidden = items.length > 0;
    setText(this.empty, emptyText);
    while (this.rows.length < items.length) this.rows.push(this.addRow());
    this.rows.forEach((row, i) => {
      const item = items[i];
      row.item = item;
      row.li.hidden = item === undefined;
      if (item === undefined) return;
      const cls = rowClass(item);
      if (row.li.className !== cls) row.li.className = cls;
      cells(item).forEach((text, c) => {
        const cell = row.cells[c];
        if (cell) setText(cell, text);
      });
    });
  }

  private addRow(): Row<T> {
    const cells = this.cellClasses.map((c) => h('span', { class: c }));
    const row: Row<T> = { li: h('li'), cells, item: undefined };
    row.li.append(
      h(
        'button',
        {
          type: 'button',
          class: 'due-item',
          onclick: () => {
            if (row.item !== undefined) this.onPick(row.item);
          },
        },
        cells,
      ),
    );
    this.el.append(row.li);
    return row;
  }
}
