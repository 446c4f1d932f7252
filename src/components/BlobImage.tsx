// An <img> of a Blob. Its object URL lives exactly as long as the element shows that blob, so a
// dataset of thousands mints URLs only for the cells on screen, and none leak when cells scroll away.

import { useEffect, useRef } from 'react';

type Props = Omit<React.ImgHTMLAttributes<HTMLImageElement>, 'src'> & { blob: Blob | undefined };

export function BlobImage({ blob, alt, ...rest }: Props) {
  const ref = useRef<HTMLImageElement>(null);
  useEffect(() => {
    const img = ref.current;
    if (!img || !blob) return;
    const url = URL.createObjectURL(blob);
    img.src = url;
    return () => {
      img.removeAttribute('src');
      URL.revokeObjectURL(url);
    };
  }, [blob]);
  return <img ref={ref} alt={alt} {...rest} />;
}
