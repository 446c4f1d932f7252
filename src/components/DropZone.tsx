// Accepts dropped files and folders anywhere inside it and hands them over with their paths.

import { useState, type DragEvent, type ReactNode } from 'react';
import type { IncomingFile } from '../worker/protocol';
import { collectFromEntries, entriesFromDataTransfer } from './fileDrop';

interface Props {
  onFiles(files: IncomingFile[], problems: string[]): void;
  className?: string;
  children: ReactNode;
}

export function DropZone({ onFiles, className, children }: Props) {
  const [over, setOver] = useState(false);
  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const { entries, loose } = entriesFromDataTransfer(e.dataTransfer);
    void collectFromEntries(entries, loose).then((r) => onFiles(r.files, r.problems));
  };
  return (
    <div
      className={`${className ?? ''} ${over ? 'drop-over' : ''}`}
      data-testid="drop-zone"
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      {children}
      {over && (
        <div className="drop-hint" aria-hidden="true">
          Drop folders or images to add them
        </div>
      )}
    </div>
  );
}
