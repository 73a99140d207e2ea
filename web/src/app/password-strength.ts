/**
 * Password strength while typing, with the same estimator and dictionaries as the server
 * (zxcvbn-ts, common + English), so the meter agrees with what registration accepts. Loaded on
 * first use, as its own chunk: the dictionaries are large and only the "Create account" form needs them.
 */
export interface Strength {
  /** 0 (very weak) to 4 (strong), zxcvbn's scale */
  score: number
}

export type Estimate = (password: string, userInputs: string[]) => Strength

let loading: Promise<Estimate> | null = null

export function loadStrengthEstimator(): Promise<Estimate> {
  loading ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common'), import('@zxcvbn-ts/language-en')]).then(
    ([core, common, en]) => {
      core.zxcvbnOptions.setOptions({
        dictionary: { ...common.dictionary, ...en.dictionary },
        graphs: common.adjacencyGraphs,
        translations: en.translations,
      })
      return (password, userInputs) => ({ score: core.zxcvbn(password, userInputs.filter(Boolean)).score })
    },
  )
  // a failed load (offline) may be retried on the next keystroke
  loading.catch(() => {
    loading = null
  })
  return loading
}
