package io.github.switchboard.spring;

import io.github.switchboard.ratelimit.LimitPlans;
import io.github.switchboard.ratelimit.RateLimiter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Auto-configures the {@link RateLimitFilter} of {@code switchboard.rate-limit.http.*} in a servlet web
 * application, when {@code switchboard.rate-limit.http.enabled} is true.
 */
@AutoConfiguration(after = SwitchboardAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(OncePerRequestFilter.class)
@ConditionalOnBooleanProperty("switchboard.rate-limit.http.enabled")
public class SwitchboardWebAutoConfiguration {

  /**
   * Names the client of a request: {@code switchboard.rate-limit.http.key-header}, else the remote address.
   *
   * @param properties the switchboard.* properties
   * @return the resolver
   */
  @Bean
  @ConditionalOnMissingBean
  public HttpRateLimitKeyResolver switchboardHttpRateLimitKeyResolver(SwitchboardProperties properties) {
    return HttpRateLimitKeyResolver.header(properties.getRateLimit().getHttp().getKeyHeader());
  }

  /**
   * The filter, registered for every request; it limits those of {@code switchboard.rate-limit.http.paths}.
   *
   * @param properties the switchboard.* properties
   * @param limiter the limiter
   * @param keyResolver names the client
   * @param plans the limiter's plans, if there is one bean of them: a key's fields describe its plan
   * @return the registration
   */
  @Bean
  @ConditionalOnBean(RateLimiter.class)
  @ConditionalOnMissingBean(value = RateLimitFilter.class, parameterizedContainer = FilterRegistrationBean.class)
  public FilterRegistrationBean<RateLimitFilter> switchboardRateLimitFilter(
      SwitchboardProperties properties, RateLimiter limiter, HttpRateLimitKeyResolver keyResolver,
      ObjectProvider<LimitPlans> plans) {
    RateLimitFilter filter = new RateLimitFilter(
        limiter, plans.getIfUnique(), properties.getRateLimit().getHttp().getPaths(), keyResolver);
    FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(filter);
    registration.setName("switchboardRateLimitFilter");
    registration.setOrder(properties.getRateLimit().getHttp().getOrder());
    return registration;
  }
}
