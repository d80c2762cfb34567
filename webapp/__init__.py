"""The Flask front end of the archive (issue #4): views call ``archive``, templates render."""
