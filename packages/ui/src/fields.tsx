import { type CSSProperties, type InputHTMLAttributes, type ReactNode, useId } from 'react';

/** A labelled input with its error right under it, tied together for screen readers. */
export function TextField({
  label,
  error,
  hint,
  ...props
}: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string | undefined; hint?: ReactNode }) {
  const id = useId();
  return (
    <div className={`field ${error ? 'field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        {...props}
      />
      {hint && !error ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

export function FieldError({ id, message }: { id?: string; message?: string | undefined }) {
  return message ? (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  ) : null;
}

/** One of a few options as radio buttons under a legend; `children` come last, such as a hint. */
export function ChoiceGroup<T extends string>({
  legend,
  name,
  options,
  label,
  value,
  onChange,
  error,
  children,
}: {
  legend: string;
  name: string;
  options: readonly T[];
  label: (option: T) => ReactNode;
  value: T;
  onChange: (option: T) => void;
  error?: string | undefined;
  children?: ReactNode;
}) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {options.map((option) => (
        <label className="choice" key={option}>
          <input
            type="radio"
            name={name}
            value={option}
            checked={value === option}
            onChange={() => onChange(option)}
          />{' '}
          {label(option)}
        </label>
      ))}
      <FieldError message={error} />
      {children}
    </fieldset>
  );
}

/** A labelled drop-down whose first option, `all`, means no filter (the empty value). */
export function SelectField({
  id,
  label,
  all,
  options,
  value,
  onChange,
  style,
}: {
  id: string;
  label: string;
  all: string;
  options: readonly { value: string; label: string }[];
  value: string;
  onChange: (value: string) => void;
  style?: CSSProperties;
}) {
  return (
    <div className="field" style={style}>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{all}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}
