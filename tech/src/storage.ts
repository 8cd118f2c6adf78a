/** Values kept on the device as JSON: AsyncStorage, which is localStorage on the web. */
import AsyncStorage from '@react-native-async-storage/async-storage';

export async function load<T>(key: string): Promise<T | null> {
  const raw = await AsyncStorage.getItem(key);
  return raw === null ? null : (JSON.parse(raw) as T);
}

/** Store `value`; false when the device refused it (the web's storage quota). */
export async function save(key: string, value: unknown): Promise<boolean> {
  try {
    await AsyncStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}

export async function remove(key: string): Promise<void> {
  await AsyncStorage.removeItem(key);
}
