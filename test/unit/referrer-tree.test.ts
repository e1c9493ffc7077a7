import { describe, expect, it } from 'vitest';
import type { ReferrerChainDto } from '../../preload/contract.ts';
import { referrerTree } from '../../renderer/src/views/snapshots/referrerTree.ts';

const GLOBAL = { kind: 'module global', name: 'shop.fragments._PRICE_LIST_FRAGMENTS' };

function chain(root: ReferrerChainDto['root'], labels: string[], partial = false): ReferrerChainDto {
  return {
    root,
    steps: labels.map((label, i) => ({ type: i === labels.length - 1 ? 'str' : 'dict', label })),
    depth: labels.length,
    partial,
  };
}

describe('referrerTree', () => {
  it('merges chains from the same root while their step labels agree', () => {
    const tree = referrerTree([
      chain(GLOBAL, ['_PRICE_LIST_FRAGMENTS (dict)', "['EUR', '10:00:01']", 'str (48 KB)']),
      chain(GLOBAL, ['_PRICE_LIST_FRAGMENTS (dict)', "['EUR', '10:00:02']", 'str (48 KB)']),
      chain(GLOBAL, ['_PRICE_LIST_FRAGMENTS (dict)', "['EUR', '10:00:01']", 'str (48 KB)']),
    ]);
    expect(tree).toHaveLength(1);
    const root = tree[0]!;
    expect(root).toMatchObject({ ...GLOBAL, thread: null, chains: 3, partial: false, depth: 3 });
    expect(root.children).toHaveLength(1);
    const dict = root.children[0]!;
    expect(dict).toMatchObject({ label: '_PRICE_LIST_FRAGMENTS (dict)', type: 'dict', chains: 3 });
    expect(dict.children.map((n) => [n.label, n.chains])).toEqual([
      ["['EUR', '10:00:01']", 2],
      ["['EUR', '10:00:02']", 1],
    ]);
    expect(dict.children[0]!.children).toEqual([
      { label: 'str (48 KB)', type: 'str', chains: 2, partial: false, children: [] },
    ]);
  });

  it('keeps one tree per root, named roots before unknown ones, nearest first', () => {
    const thread = { kind: 'frame local', name: 'shop.stock._watch_stock:snapshot', thread: 'stock-watcher' };
    const unknown = { kind: 'unknown', name: 'list', exhausted: true };
    const tree = referrerTree([
      chain(unknown, ['list', 'str']),
      chain(thread, ['frame', 'dict', 'list', 'str']),
      chain(GLOBAL, ['dict', 'str']),
    ]);
    expect(tree.map((r) => r.kind)).toEqual(['module global', 'frame local', 'unknown']);
    expect(tree[1]!.thread).toBe('stock-watcher');
    expect(tree[2]!.exhausted).toBe(true);
    expect(tree[0]!.exhausted).toBe(false);
  });

  it('does not merge chains whose roots differ only by thread', () => {
    const a = { kind: 'thread', name: 'worker', thread: 'Thread-1' };
    const b = { kind: 'thread', name: 'worker', thread: 'Thread-2' };
    expect(referrerTree([chain(a, ['x']), chain(b, ['x'])])).toHaveLength(2);
  });

  it('marks where a partial chain was cut, and its root', () => {
    const tree = referrerTree([
      chain(GLOBAL, ['dict', 'list', 'str']),
      chain(GLOBAL, ['dict', 'list'], true),
    ]);
    const root = tree[0]!;
    expect(root.partial).toBe(true);
    expect(root.depth).toBe(2);
    const list = root.children[0]!.children[0]!;
    expect(list).toMatchObject({ label: 'list', partial: true, chains: 2 });
    expect(list.children[0]!.partial).toBe(false);
    expect(root.children[0]!.partial).toBe(false);
  });

  it('an unknown root is exhausted only when every chain to it was a complete search', () => {
    const tree = referrerTree([
      chain({ kind: 'unknown', name: 'list', exhausted: true }, ['list']),
      chain({ kind: 'unknown', name: 'list', exhausted: false }, ['list'], true),
    ]);
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatchObject({ exhausted: false, partial: true, chains: 2 });
  });

  it('gives nothing for no chains, and a root alone for a chain without steps', () => {
    expect(referrerTree([])).toEqual([]);
    expect(referrerTree([chain(GLOBAL, [], true)])).toEqual([
      { ...GLOBAL, thread: null, exhausted: false, chains: 1, partial: true, depth: 0, children: [] },
    ]);
  });
});
