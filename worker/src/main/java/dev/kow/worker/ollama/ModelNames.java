package dev.kow.worker.ollama;

import java.util.Locale;

/**
 * Ollama's model-name rules: case-insensitive, {@code :latest} when no tag, registry
 * prefix optional.
 */
public final class ModelNames {

	private ModelNames() {
	}

	/**
	 * @param name a model name
	 * @return the normalised {@code [namespace/]model:tag}
	 */
	public static String normalize(String name) {
		String n = name.trim().toLowerCase(Locale.ROOT);
		for (String prefix : new String[] { "registry.ollama.ai/library/", "library/" }) {
			if (n.startsWith(prefix)) {
				n = n.substring(prefix.length());
			}
		}
		int slash = n.lastIndexOf('/');
		return n.indexOf(':', slash + 1) < 0 ? n + ":latest" : n;
	}

}
