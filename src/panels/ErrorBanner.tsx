import { useStudio } from '../store';

export function ErrorBanner() {
  const errors = useStudio((s) => s.errors);
  const dismiss = useStudio((s) => s.dismissError);
  if (errors.length === 0) return null;
  return (
    <div className="errors" role="alert">
      {errors.map((e) => (
        <p key={e.id} className="error">
          <strong>{e.where}:</strong> {e.message}{' '}
          <button type="button" onClick={() => dismiss(e.id)}>
            Dismiss
          </button>
        </p>
      ))}
    </div>
  );
}
