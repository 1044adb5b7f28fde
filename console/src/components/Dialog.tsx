import { useEffect, useId, useRef, type ReactNode } from 'react';

interface DialogProps {
  readonly title: string;
  readonly open: boolean;
  readonly onClose: () => void;
  readonly children: ReactNode;
  /** A side drawer instead of a centred dialog. */
  readonly drawer?: boolean;
}

/**
 * A modal dialog (WAI-ARIA dialog pattern on the native <dialog>): focus moves into it, the page
 * behind is inert, Escape closes it, and focus returns to what had it before (the opening button).
 */
export function Dialog({ title, open, onClose, children, drawer = false }: DialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element || !open) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    element.showModal();
    // showModal() focuses the first focusable element (the Close button); a form's first field is better.
    element.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      element.close();
      opener?.focus();
    };
  }, [open]);

  if (!open) return null;
  return (
    <dialog
      ref={dialog}
      className={drawer ? 'dialog drawer' : 'dialog'}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="quiet" onClick={onClose}>
          Close
        </button>
      </div>
      {children}
    </dialog>
  );
}

interface ConfirmProps {
  readonly title: string;
  readonly open: boolean;
  readonly confirmLabel: string;
  readonly onCancel: () => void;
  readonly onConfirm: (reason: string) => void;
  readonly busy?: boolean;
  readonly error?: string;
  readonly children: ReactNode;
  readonly reasonRequired?: boolean;
  readonly danger?: boolean;
}

/** A confirmation with a reason (kept in the audit trail), focus on the reason field. */
export function ConfirmDialog(props: ConfirmProps) {
  const reasonId = useId();
  return (
    <Dialog title={props.title} open={props.open} onClose={props.onCancel}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const reason = new FormData(event.currentTarget).get('reason');
          props.onConfirm(typeof reason === 'string' ? reason : '');
        }}
      >
        {props.children}
        <label htmlFor={reasonId}>Reason{props.reasonRequired ? ' (required)' : ' (kept in the audit trail)'}</label>
        <input id={reasonId} name="reason" data-autofocus required={props.reasonRequired} maxLength={500} />
        {props.error && (
          <p role="alert" className="error">
            {props.error}
          </p>
        )}
        <div className="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" className={props.danger ? 'danger' : 'primary'} disabled={props.busy}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
