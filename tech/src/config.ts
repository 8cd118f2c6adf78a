import { Platform } from 'react-native';

/** Where the bayflow API is: the page's own origin on the web export (the API serves the app at
 * /tech), else EXPO_PUBLIC_API_URL, set when starting the app for a phone (Expo inlines it). */
export const API_URL: string =
  Platform.OS === 'web' ? '' : (process.env.EXPO_PUBLIC_API_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '');

/** The dispatcher board, where dispatchers who sign in here are sent. */
export const BOARD_URL = `${API_URL}/board/`;
