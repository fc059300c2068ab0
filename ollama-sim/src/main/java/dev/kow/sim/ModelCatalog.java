package dev.kow.sim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The models a simulated host has pulled. Names match Ollama's rules: case-insensitive,
 * tag {@code latest} when none is given, an optional {@code registry.ollama.ai/library/}
 * prefix.
 */
public final class ModelCatalog {

	private final Map<String, ModelSpec> models = new LinkedHashMap<>();

	/**
	 * @param models the catalogue
	 */
	public ModelCatalog(List<ModelSpec> models) {
		models.forEach(m -> this.models.put(normalize(m.name()), m));
	}

	/**
	 * @return a catalogue with common chat, thinking and embedding models
	 */
	public static ModelCatalog defaults() {
		Set<String> chat = Set.of("completion", "tools");
		return new ModelCatalog(List.of(
				new ModelSpec("llama3.1:8b", "llama", "8.0B", "Q4_K_M", 4_920_753_328L, 131072, 4096, chat, 1.0),
				new ModelSpec("llama3.2:3b", "llama", "3.2B", "Q4_K_M", 2_019_393_189L, 131072, 3072, chat, 2.0),
				new ModelSpec("mistral:7b", "llama", "7.2B", "Q4_0", 4_113_301_824L, 32768, 4096, chat, 1.1),
				new ModelSpec("qwen3:8b", "qwen3", "8.2B", "Q4_K_M", 5_225_388_164L, 40960, 4096,
						Set.of("completion", "tools", "thinking"), 0.95),
				new ModelSpec("nomic-embed-text:latest", "nomic-bert", "137M", "F16", 274_302_450L, 2048, 768,
						Set.of("embedding"), 20.0),
				new ModelSpec("all-minilm:latest", "bert", "23M", "F16", 45_960_996L, 512, 384, Set.of("embedding"),
						40.0)));
	}

	/**
	 * @param name a model name as a client sent it
	 * @return the model, or null when not pulled
	 */
	public ModelSpec find(String name) {
		return this.models.get(normalize(name));
	}

	/**
	 * @return all models
	 */
	public List<ModelSpec> all() {
		return List.copyOf(this.models.values());
	}

	/**
	 * Ollama's name normalisation.
	 * @param name a name
	 * @return lower-cased, registry prefix removed, {@code :latest} added when there is
	 * no tag
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

	/**
	 * @param spec a model
	 * @return Ollama's fully-qualified name, used in capability errors
	 */
	public static String qualified(ModelSpec spec) {
		return "registry.ollama.ai/library/" + spec.name();
	}

}
