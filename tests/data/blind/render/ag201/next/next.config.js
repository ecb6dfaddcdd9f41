/** @type {import('next').NextConfig} */
module.exports = {
  reactStrictMode: true,
  env: {
    AUTYPE_API_KEY: process.env.AUTYPE_API_KEY,
  },
};
