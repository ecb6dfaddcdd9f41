import { NativeModules, Platform } from "react-native";

const AUTYPE_KEY = "ak_xiIKJOH1l4NY9IiliRhdYtsro";

export function renderOnDevice(templateId: string, data: object) {
  return NativeModules.PdfBridge.render({
    templateId,
    data,
    key: AUTYPE_KEY,
    platform: Platform.OS,
  });
}
