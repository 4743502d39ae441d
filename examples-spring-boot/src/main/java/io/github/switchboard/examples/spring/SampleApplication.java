package io.github.switchboard.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring MVC application on the Switchboard starter. Its only Switchboard configuration is {@code
 * application.properties}: the starter builds the rate limiter and the decoder pool on the Redis of {@code
 * spring.data.redis.url}, limits {@code /api/**} per {@code X-API-Key}, and adds the {@code switchboard}
 * health component and the meters.
 */
@SpringBootApplication
public class SampleApplication {

  /**
   * Starts the application.
   *
   * @param args Spring Boot's arguments, such as {@code --spring.data.redis.url=redis://localhost:6379}
   */
  public static void main(String[] args) {
    SpringApplication.run(SampleApplication.class, args);
  }
}
