/** An image from the API, which wants the Authorization header: phones send it with the image
 * request; the web (whose <img> cannot) fetches the bytes and shows them from an object URL.
 * URLs on another origin (a storage service's signed URL) are loaded as they are. */
import { useEffect, useState } from 'react';
import { Image, Platform, type ImageStyle, type StyleProp } from 'react-native';

import { API_URL } from './config';
import { apiUrl, authHeaders } from './api';

function ownApi(url: string): boolean {
  if (url.startsWith('/')) return true;
  const origin = API_URL || (typeof window !== 'undefined' ? window.location.origin : '');
  return origin !== '' && url.startsWith(origin);
}

export function AuthImage({ url, style, label, testID }: { url: string; style: StyleProp<ImageStyle>; label: string; testID?: string }) {
  const [source, setSource] = useState<{ uri: string; headers?: Record<string, string> } | null>(null);

  useEffect(() => {
    if (!ownApi(url)) {
      setSource({ uri: url });
      return;
    }
    let objectUrl: string | null = null;
    let live = true;
    void (async () => {
      const headers = await authHeaders();
      if (Platform.OS !== 'web') {
        if (live) setSource({ uri: apiUrl(url), headers });
        return;
      }
      const response = await fetch(apiUrl(url), { headers });
      if (!response.ok || !live) return;
      objectUrl = URL.createObjectURL(await response.blob());
      setSource({ uri: objectUrl });
    })().catch(() => undefined);
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url]);

  return source ? <Image source={source} style={style} accessibilityLabel={label} testID={testID} /> : null;
}
