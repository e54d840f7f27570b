# agentroute_add_library(NAME SOURCES... ) — one layer of the library: static by default
# (BUILD_SHARED_LIBS honoured), public headers in <folder>/include, installed and exported.
function(agentroute_add_library name)
    add_library(${name} ${ARGN})
    add_library(agentroute::${name} ALIAS ${name})
    target_include_directories(${name} PUBLIC
        $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
        $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(${name} PRIVATE $<BUILD_INTERFACE:agentroute_project_options>)
    set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    install(TARGETS ${name} EXPORT agentroute-targets)
    install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
