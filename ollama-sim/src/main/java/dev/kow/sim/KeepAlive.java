package dev.kow.sim;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;

/**
 * Parses Ollama's {@code keep_alive}: a JSON number is seconds (fractions allowed,
 * negative = forever); a string is a Go duration that needs a unit except for
 * {@code "0"}.
 */
final class KeepAlive {

	private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

	private KeepAlive() {
	}

	/**
	 * @param node the {@code keep_alive} field, may be null or missing
	 * @return the duration, or null when absent; negative means forever
	 * @throws SimHttpError 400 with Go's {@code time:} message for a bad string
	 */
	static Duration parse(JsonNode node) {
		if (node == null || node.isMissingNode() || node.isNull()) {
			return null;
		}
		if (node.isNumber()) {
			return Duration.ofNanos((long) (node.asDouble() * 1e9));
		}
		String text = node.asString();
		if (text.equals("0")) {
			return Duration.ZERO;
		}
		boolean negative = text.startsWith("-");
		String body = negative || text.startsWith("+") ? text.substring(1) : text;
		if (body.isEmpty()) {
			throw new SimHttpError(400, "time: invalid duration \"" + text + "\"");
		}
		if (body.chars().allMatch(Character::isDigit)) {
			throw new SimHttpError(400, "time: missing unit in duration \"" + text + "\"");
		}
		Matcher m = PART.matcher(body);
		long nanos = 0;
		int end = 0;
		while (m.find() && m.start() == end) {
			double value = Double.parseDouble(m.group(1));
			nanos += (long) (value * switch (m.group(2)) {
				case "ns" -> 1;
				case "us", "µs" -> 1e3;
				case "ms" -> 1e6;
				case "s" -> 1e9;
				case "m" -> 60e9;
				default -> 3600e9;
			});
			end = m.end();
		}
		if (end != body.length()) {
			throw new SimHttpError(400, "time: invalid duration \"" + text + "\"");
		}
		return Duration.ofNanos(negative ? -nanos : nanos);
	}

}
