package org.loyaltyengine.docs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's API tour read as a script: every {@code ```bash} block between "## API tour" and the next
 * "## " heading, cut into shell commands, each with the answer the README shows for it.
 *
 * <p>A command is a non-comment line plus its continuation lines (a trailing backslash, or an open quote).
 * A comment line {@code # → [status] [json]} right after a command is what that command must answer; its JSON
 * may go on over the following lines that start with {@code #} and two or more spaces. In that JSON,
 * {@code "…"} stands for any value, a string ending in {@code …} for any string starting with what comes
 * before it, an object with the entry {@code "…": "…"} may have more fields than it lists, and an array
 * ending with {@code "…"} may have more elements. Other comments are prose.
 */
final class TourScript {
  static final String ARROW = "# →";
  static final String ANY = "…";
  private static final Pattern EXPECTATION = Pattern.compile("^# →\\s*(\\d{3})?\\s*(.*)$");

  /** One command, where it starts in the README, and what it must answer (null: any 2xx). */
  record Step(int line, String command, Integer status, Object body, String expectationText) {
    boolean isRead() {
      return !command.contains(" -X ") && command.contains("curl ");
    }
  }

  private TourScript() {}

  /** The tour's steps, in order. */
  static List<Step> parse(String readme) {
    String[] lines = readme.split("\n", -1);
    int start = -1;
    int end = lines.length;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].equals("## API tour")) {
        start = i;
      } else if (start >= 0 && lines[i].startsWith("## ")) {
        end = i;
        break;
      }
    }
    if (start < 0) {
      throw new AssertionError("README.md has no \"## API tour\" section");
    }
    List<Step> steps = new ArrayList<>();
    boolean inBash = false;
    for (int i = start; i < end; i++) {
      String line = lines[i];
      if (!inBash) {
        inBash = line.equals("```bash");
        continue;
      }
      if (line.equals("```")) {
        inBash = false;
        continue;
      }
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith(ARROW)) {
        throw new AssertionError("README.md:" + (i + 1) + ": an expected answer with no command before it");
      }
      if (line.startsWith("#")) {
        continue;
      }
      int first = i;
      StringBuilder command = new StringBuilder(line);
      while (!complete(command.toString())) {
        i++;
        if (i >= end || lines[i].equals("```")) {
          throw new AssertionError("README.md:" + (first + 1) + ": the command never ends (an open quote?)");
        }
        command.append('\n').append(lines[i]);
      }
      Integer status = null;
      Object body = null;
      String text = null;
      if (i + 1 < end && lines[i + 1].startsWith(ARROW)) {
        i++;
        StringBuilder expected = new StringBuilder(lines[i]);
        while (i + 1 < end && lines[i + 1].matches("^#\\s{2,}\\S.*")) {
          i++;
          expected.append('\n').append(lines[i].substring(1));
        }
        text = expected.toString();
        Matcher m = EXPECTATION.matcher(text.replace('\n', ' '));
        if (!m.matches()) {
          throw new AssertionError("README.md:" + (i + 1) + ": unreadable expectation " + text);
        }
        status = m.group(1) == null ? null : Integer.valueOf(m.group(1));
        String json = m.group(2).trim();
        if (!json.isEmpty()) {
          try {
            body = json.startsWith("[") ? new JsonArray(json) : new JsonObject(json);
          } catch (RuntimeException e) {
            throw new AssertionError("README.md:" + (i + 1) + ": the shown answer is not JSON: " + json, e);
          }
        }
      }
      steps.add(new Step(first + 1, command.toString(), status, body, text));
    }
    return steps;
  }

  /** Whether the shell would stop reading here: no open quote, no trailing backslash. */
  static boolean complete(String command) {
    boolean single = false;
    boolean dbl = false;
    String lastLine = command.substring(command.lastIndexOf('\n') + 1);
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (single) {
        single = c != '\'';
      } else if (dbl) {
        if (c == '\\') {
          i++;
        } else {
          dbl = c != '"';
        }
      } else if (c == '\'') {
        single = true;
      } else if (c == '"') {
        dbl = true;
      } else if (c == '#' && (i == 0 || Character.isWhitespace(command.charAt(i - 1)))) {
        int nl = command.indexOf('\n', i);
        if (nl < 0) {
          return true; // a trailing comment ends the command
        }
        i = nl;
      }
    }
    return !single && !dbl && !lastLine.stripTrailing().endsWith("\\");
  }

  /** Null when {@code actual} matches the shown {@code expected}, else where and how it differs. */
  static String mismatch(Object expected, Object actual, String path) {
    if (expected instanceof String s && s.equals(ANY)) {
      return null;
    }
    if (expected instanceof String s && s.endsWith(ANY)) {
      String prefix = s.substring(0, s.length() - 1);
      return actual instanceof String a && a.startsWith(prefix) ? null
          : path + ": expected a string starting with \"" + prefix + "\", got " + actual;
    }
    if (expected instanceof JsonObject e) {
      if (!(actual instanceof JsonObject a)) {
        return path + ": expected an object, got " + actual;
      }
      boolean open = ANY.equals(e.getValue(ANY));
      for (String f : e.fieldNames()) {
        if (f.equals(ANY)) {
          continue;
        }
        if (!a.containsKey(f)) {
          return path + "." + f + ": missing";
        }
        String m = mismatch(e.getValue(f), a.getValue(f), path + "." + f);
        if (m != null) {
          return m;
        }
      }
      if (!open) {
        Set<String> extra = new java.util.TreeSet<>(a.fieldNames());
        extra.removeAll(e.fieldNames());
        if (!extra.isEmpty()) {
          return path + ": fields the README does not show: " + extra;
        }
      }
      return null;
    }
    if (expected instanceof JsonArray e) {
      if (!(actual instanceof JsonArray a)) {
        return path + ": expected an array, got " + actual;
      }
      boolean open = !e.isEmpty() && ANY.equals(e.getValue(e.size() - 1));
      int listed = open ? e.size() - 1 : e.size();
      if (open ? a.size() < listed : a.size() != listed) {
        return path + ": expected " + (open ? "at least " : "") + listed + " elements, got " + a.size() + ": " + a;
      }
      Iterator<Object> values = a.iterator();
      for (int i = 0; i < listed; i++) {
        String m = mismatch(e.getValue(i), values.next(), path + "[" + i + "]");
        if (m != null) {
          return m;
        }
      }
      return null;
    }
    if (expected instanceof Number en && actual instanceof Number an) {
      return en.longValue() == an.longValue() && en.doubleValue() == an.doubleValue() ? null
          : path + ": expected " + expected + ", got " + actual;
    }
    return java.util.Objects.equals(expected, actual) ? null : path + ": expected " + expected + ", got " + actual;
  }
}
