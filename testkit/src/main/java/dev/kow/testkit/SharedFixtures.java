package dev.kow.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension that gives tests one {@link KafkaBroker} and one
 * {@link ApicurioRegistry} per JVM, started on first use and stopped when the run ends.
 * Declare a parameter of either type.
 */
public final class SharedFixtures implements ParameterResolver {

	@Override
	public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
		Class<?> type = parameter.getParameter().getType();
		return type == KafkaBroker.class || type == ApicurioRegistry.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
		ExtensionContext.Store store = context.getRoot()
			.getStore(ExtensionContext.Namespace.create(SharedFixtures.class));
		Class<?> type = parameter.getParameter().getType();
		if (type == KafkaBroker.class) {
			return store.computeIfAbsent(KafkaBroker.class, key -> KafkaBroker.start(), KafkaBroker.class);
		}
		return store.computeIfAbsent(ApicurioRegistry.class, key -> ApicurioRegistry.startFromSystemProperty(),
				ApicurioRegistry.class);
	}

}
