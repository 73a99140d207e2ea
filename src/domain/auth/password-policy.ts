import { AppError } from '../errors.js'
import { passwordStrength } from './password-strength.js'

/** Longest password accepted, checked before hashing so nobody makes us hash megabytes. */
export const PASSWORD_MAX_LENGTH = 128

/** Refuses weak passwords with a reason the user can act on (422 `auth.weak_password`). */
export async function checkPasswordStrength(
  password: string,
  context: { minLength: number; minScore: number; userInputs: string[] },
): Promise<void> {
  if (password.length < context.minLength) {
    throw new AppError('auth.weak_password', `Use at least ${context.minLength} characters.`, {
      details: { reason: 'too_short', minLength: context.minLength },
    })
  }
  const result = await passwordStrength.score(password, context.userInputs)
  if (result.score < context.minScore) {
    const hint = result.warning || result.suggestions[0] || 'Add more words or characters.'
    throw new AppError('auth.weak_password', `The password is too easy to guess. ${hint}`.trim(), {
      details: { reason: 'too_guessable', score: result.score, minScore: context.minScore, suggestions: result.suggestions },
    })
  }
}
