"use client";
// An API error shown as the problem+json's own text.

export function ProblemBanner({ text, onClose }: { text: string | null; onClose?: () => void }) {
  if (!text) return null;
  return (
    <div role="alert" className="problem" data-testid="problem">
      <span>{text}</span>
      {onClose && (
        <button type="button" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}
