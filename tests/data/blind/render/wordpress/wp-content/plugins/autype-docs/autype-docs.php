<?php
/**
 * Plugin Name: Autype Docs
 * Description: Render posts as PDF with Autype.
 */

add_action('admin_enqueue_scripts', function () {
    wp_enqueue_script('autype-docs', plugins_url('build/editor.js', __FILE__), ['wp-element'], '1.4.0', true);
    wp_localize_script('autype-docs', 'AutypeDocs', ['apiKey' => get_option('autype_api_key'), 'nonce' => wp_create_nonce('autype')]);
});

add_action('admin_init', function () {
    register_setting('autype_docs', 'autype_api_key');
});
