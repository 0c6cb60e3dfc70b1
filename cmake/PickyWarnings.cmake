# Warnings are errors everywhere; hardening flags on every target.
add_compile_options(
  -Wall -Wextra -Werror
  -Wformat=2 -Wformat-security -Wshadow -Wpointer-arith -Wcast-align
  -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition
  -Wwrite-strings -Wundef -Wvla -Wnull-dereference -Wimplicit-fallthrough
  -Wno-unused-parameter -Wno-missing-field-initializers
  -fno-common -fstack-protector-strong
)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  add_compile_options(-D_FORTIFY_SOURCE=2)
endif()
add_compile_definitions(_GNU_SOURCE)
