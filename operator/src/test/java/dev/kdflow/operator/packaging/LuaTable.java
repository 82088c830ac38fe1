package dev.kdflow.operator.packaging;

import java.util.List;
import java.util.Map;

/** Writes JSON-like values (maps, lists, strings, numbers, booleans) as a Lua table literal. */
final class LuaTable {
  private LuaTable() {}

  static String literal(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value == null) {
      out.append("nil");
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      map.forEach(
          (key, item) -> {
            // A nil value is an absent key in Lua, like a null field in a Kubernetes object.
            if (item != null) {
              out.append('[');
              writeString(String.valueOf(key), out);
              out.append("]=");
              write(item, out);
              out.append(',');
            }
          });
      out.append('}');
    } else if (value instanceof List<?> list) {
      out.append('{');
      list.forEach(
          item -> {
            write(item, out);
            out.append(',');
          });
      out.append('}');
    } else if (value instanceof Boolean || value instanceof Number) {
      out.append(value);
    } else {
      writeString(value.toString(), out);
    }
  }

  /** A double-quoted Lua string; decimal escapes keep it valid in Lua 5.1 through 5.4. */
  private static void writeString(String text, StringBuilder out) {
    out.append('"');
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        out.append('\\').append((int) c);
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
