import { type ChangeEvent, useState } from 'react';
import { fieldErrorsFrom } from './trpc';

type TextKey<T> = { [K in keyof T]: T[K] extends string ? K : never }[keyof T];

/**
 * A form's values and the errors shown next to its fields: those found before
 * sending (`refuse`) over the server's (`refused`, the last call's error).
 * Changing a field clears the error found in it, then calls `onChange`.
 */
export function useForm<T extends Record<string, unknown>>(
  initial: T | (() => T),
  { refused, onChange }: { refused?: unknown; onChange?: () => void } = {},
) {
  const [values, setValues] = useState(initial);
  const [found, setFound] = useState<Record<string, string>>({});
  const errors: Record<string, string> = { ...fieldErrorsFrom(refused), ...found };
  const set = <K extends keyof T>(key: K, value: T[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
    setFound(({ [key as string]: _, ...rest }) => rest);
    onChange?.();
  };
  return {
    values,
    errors,
    set,
    /** Shows the errors found before sending in place of the last ones; `{}` clears them. */
    refuse: setFound,
    /** What a `TextField` of the string field `key` needs: its value, change handler and error. */
    text: <K extends TextKey<T>>(key: K) => ({
      value: values[key] as string,
      onChange: (event: ChangeEvent<HTMLInputElement>) => set(key, event.target.value as T[K]),
      error: errors[key as string],
    }),
    /** What a `ChoiceGroup` of the field `key` needs: its value, change handler and error. */
    choice: <K extends keyof T>(key: K) => ({
      value: values[key],
      onChange: (value: T[K]) => set(key, value),
      error: errors[key as string],
    }),
  };
}
