import { useSyncExternalStore } from 'react'

/** A minimal external store: immutable state, functional updates, subscribers. */
export class Store<S> {
  #state: S
  readonly #listeners = new Set<() => void>()

  constructor(initial: S) {
    this.#state = initial
  }

  getState = (): S => this.#state

  /** Applies `fn` to the current state; listeners run only when the result is a new object. */
  update = (fn: (state: S) => S): void => {
    const next = fn(this.#state)
    if (next === this.#state) return
    this.#state = next
    for (const l of [...this.#listeners]) l()
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

/** Subscribes a component to a slice of the store (the selector must return stable references). */
export function useStoreState<S, T>(store: Store<S>, selector: (state: S) => T): T {
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()))
}
